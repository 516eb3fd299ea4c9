package iox

import (
	"iter"
	"sync"
	"time"
)

// A Queue is a first-in first-out queue of values whose Get and Put are
// blocking calls, as gevent.queue.Queue: Get waits while the queue is
// empty and Put while it is full, releasing the turn, and a kill or an
// expired timeout scope ends either wait.
//
// No value is lost or delivered twice: a Get that is interrupted has taken
// nothing, a Put that is interrupted has added nothing, and a Get or Put
// that has moved its value returns normally (a kill that lands meanwhile
// shows at the next blocking call). Values put while getters wait go to
// the getters in the order they started waiting.
//
// Close ends the queue: Put panics after it, as a send on a closed channel
// does, and Get and Next return the values left, then the zero value at
// once (Next reports false).
//
// The zero value is an empty queue of unbounded size. A Queue is safe for
// concurrent use by multiple goroutines and must not be copied after first
// use.
type Queue[T any] struct {
	mu      sync.Mutex
	items   []T // items[head:] are queued
	head    int
	max     int // 0: unbounded
	closed  bool
	getters []*qwaiter[T]
	putters []*qwaiter[T]
}

// qwaiter is a Get or Put waiting for the other side. Under the queue's
// lock, the other side fills or takes v, removes the waiter from its list
// and closes done; ok is false for a getter woken by Close.
type qwaiter[T any] struct {
	v    T
	ok   bool
	done chan struct{}
}

// NewQueue returns a queue that holds at most maxsize values; Put waits
// while it is full. A maxsize of zero or less means no limit, as in
// gevent.
func NewQueue[T any](maxsize int) *Queue[T] {
	if maxsize < 0 {
		maxsize = 0
	}
	return &Queue[T]{max: maxsize}
}

// Len returns the number of values in the queue.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}

// Put adds v at the end of the queue, waiting while the queue is full.
// Put has no error result: an interrupted wait unwinds, as Sleep does,
// having added nothing. Put on a closed queue panics.
func (q *Queue[T]) Put(v T) {
	var w *qwaiter[T]
	q.wait(OpSend, &w,
		func() bool { return q.tryPut(v) },
		func() *qwaiter[T] {
			w := &qwaiter[T]{v: v, done: make(chan struct{})}
			q.putters = append(q.putters, w)
			return w
		}, &q.putters)
}

// TryPut adds v at the end of the queue if that needs no wait, and
// reports whether it did. TryPut on a closed queue panics.
func (q *Queue[T]) TryPut(v T) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tryPut(v)
}

// tryPut hands v to the first waiting getter, or appends it if there is
// room; q.mu is held.
func (q *Queue[T]) tryPut(v T) bool {
	if q.closed {
		panic("iox: Put on a closed Queue")
	}
	if len(q.getters) > 0 {
		w := q.getters[0]
		q.getters = q.getters[1:]
		w.v, w.ok = v, true
		close(w.done)
		return true
	}
	if q.max > 0 && len(q.items)-q.head >= q.max {
		return false
	}
	q.items = append(q.items, v)
	return true
}

// Get removes and returns the value at the front of the queue, waiting
// while the queue is empty. Get has no error result: an interrupted wait
// unwinds, as Sleep does, having taken nothing. On a closed queue that has
// no value left, Get returns the zero value at once.
func (q *Queue[T]) Get() T {
	v, _ := q.Next()
	return v
}

// Next is Get that also reports whether it got a value: false once the
// queue is closed and empty, as v, ok := <-ch.
func (q *Queue[T]) Next() (T, bool) {
	var got T
	var ok bool
	var w *qwaiter[T]
	q.wait(OpRecv, &w,
		func() bool {
			var ready bool
			got, ok, ready = q.tryGet()
			return ready
		},
		func() *qwaiter[T] {
			w := &qwaiter[T]{done: make(chan struct{})}
			q.getters = append(q.getters, w)
			return w
		}, &q.getters)
	if w != nil {
		return w.v, w.ok
	}
	return got, ok
}

// All returns an iterator over the values of the queue, in order, as they
// are got; it ends when the queue is closed and empty.
func (q *Queue[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, ok := q.Next()
			if !ok || !yield(v) {
				return
			}
		}
	}
}

// TryGet removes and returns the value at the front of the queue if there
// is one, and reports whether there was.
func (q *Queue[T]) TryGet() (T, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	v, ok, _ := q.tryGet()
	return v, ok
}

// tryGet takes the front value, and lets the first waiting putter in; it
// reports whether the Get is over (with a value, or not on a closed and
// empty queue); q.mu is held.
func (q *Queue[T]) tryGet() (v T, ok, over bool) {
	if q.head == len(q.items) {
		if len(q.putters) == 0 {
			return v, false, q.closed
		}
		w := q.putters[0] // an unbuffered hand-over: cannot happen with max > 0, but be safe
		q.putters = q.putters[1:]
		close(w.done)
		return w.v, true, true
	}
	var zero T
	v = q.items[q.head]
	q.items[q.head] = zero
	q.head++
	if q.head > 32 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items = q.items[:n]
		q.head = 0
	}
	if len(q.putters) > 0 {
		w := q.putters[0]
		q.putters = q.putters[1:]
		q.items = append(q.items, w.v)
		close(w.done)
	}
	return v, true, true
}

// Close closes the queue: waiting getters get the zero value (Next
// reports false), and later Puts panic. Values already queued are still
// got. Close of a closed queue does nothing.
func (q *Queue[T]) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	for _, w := range q.getters {
		close(w.done)
	}
	q.getters = nil
}

// wait runs one Get or Put: try under the lock; if it must wait, join
// registers a waiter in list, and the wait ends when the other side serves
// it (w is set then). A wait cut short with its waiter still listed takes
// it out (nothing moved) and unwinds; one served meanwhile completes.
func (q *Queue[T]) wait(kind OpKind, w **qwaiter[T], try func() bool, join func() *qwaiter[T], list *[]*qwaiter[T]) {
	waitUnwinding(current(), kind, "queue", time.Time{},
		func() bool {
			q.mu.Lock()
			defer q.mu.Unlock() // tryPut may panic on a closed queue
			return try()
		},
		func(a *armed) error {
			q.mu.Lock()
			if kind == OpSend && q.closed {
				q.mu.Unlock()
				panic("iox: Put on a closed Queue")
			}
			if try() {
				q.mu.Unlock()
				return nil
			}
			*w = join()
			q.mu.Unlock()
			var err error
			select {
			case <-(*w).done:
				return nil
			case <-a.scopeC:
				err = a.expired()
			case <-a.doneC:
				err = a.done()
			}
			if !q.leave(*w, list) {
				return nil // served while we were interrupted: keep what moved
			}
			*w = nil
			return err
		})
}

// leave takes w out of list and reports whether it was still there.
func (q *Queue[T]) leave(w *qwaiter[T], list *[]*qwaiter[T]) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range *list {
		if x == w {
			*list = append((*list)[:i], (*list)[i+1:]...)
			return true
		}
	}
	return false
}
