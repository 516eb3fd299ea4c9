package iox

import (
	"context"
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
// The zero value is an empty queue of unbounded size. A Queue is safe for
// concurrent use by multiple goroutines and must not be copied after first
// use.
type Queue[T any] struct {
	mu      sync.Mutex
	items   []T // items[head:] are queued
	head    int
	max     int // 0: unbounded
	getters []*qwaiter[T]
	putters []*qwaiter[T]
}

// qwaiter is a Get or Put waiting for the other side. Under the queue's
// lock, the other side fills or takes v, removes the waiter from its list
// and closes done.
type qwaiter[T any] struct {
	v    T
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
// Put has no error result: an interrupted wait unwinds, as Sleep does.
func (q *Queue[T]) Put(v T) {
	g := current()
	if g != nil {
		if err := g.check(); err != nil {
			g.unwind(err)
		}
	}
	q.mu.Lock()
	if q.tryPut(v) {
		q.mu.Unlock()
		instant(g, OpSend, "queue", 0, nil)
		return
	}
	q.mu.Unlock()
	// Open the call before joining the putters: a call that cannot start
	// (a kill, an expired scope) unwinds with nothing registered.
	op := q.begin(g, OpSend)
	q.mu.Lock()
	if q.tryPut(v) {
		q.mu.Unlock()
		q.end(g, op, nil)
		return
	}
	w := &qwaiter[T]{v: v, done: make(chan struct{})}
	q.putters = append(q.putters, w)
	q.mu.Unlock()
	q.block(g, op, w, &q.putters)
}

// TryPut adds v at the end of the queue if that needs no wait, and
// reports whether it did.
func (q *Queue[T]) TryPut(v T) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tryPut(v)
}

// tryPut hands v to the first waiting getter, or appends it if there is
// room; q.mu is held.
func (q *Queue[T]) tryPut(v T) bool {
	if len(q.getters) > 0 {
		w := q.getters[0]
		q.getters = q.getters[1:]
		w.v = v
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
// unwinds, as Sleep does, having taken nothing.
func (q *Queue[T]) Get() T {
	g := current()
	if g != nil {
		if err := g.check(); err != nil {
			g.unwind(err)
		}
	}
	q.mu.Lock()
	if v, ok := q.tryGet(); ok {
		q.mu.Unlock()
		instant(g, OpRecv, "queue", 0, nil)
		return v
	}
	q.mu.Unlock()
	op := q.begin(g, OpRecv) // before joining the getters; see Put
	q.mu.Lock()
	if v, ok := q.tryGet(); ok {
		q.mu.Unlock()
		q.end(g, op, nil)
		return v
	}
	w := &qwaiter[T]{done: make(chan struct{})}
	q.getters = append(q.getters, w)
	q.mu.Unlock()
	q.block(g, op, w, &q.getters)
	return w.v
}

// TryGet removes and returns the value at the front of the queue if there
// is one, and reports whether there was.
func (q *Queue[T]) TryGet() (T, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tryGet()
}

// tryGet takes the front value, and lets the first waiting putter in; q.mu
// is held.
func (q *Queue[T]) tryGet() (v T, ok bool) {
	if q.head == len(q.items) {
		if len(q.putters) == 0 {
			return v, false
		}
		w := q.putters[0] // a bounded queue of size zero cannot happen, but be safe
		q.putters = q.putters[1:]
		close(w.done)
		return w.v, true
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
	return v, true
}

// begin opens a Get or Put that has to wait; it unwinds if the call
// cannot start.
func (q *Queue[T]) begin(g *gstate, kind OpKind) *Op {
	if g == nil {
		op, _ := beginDetached(context.Background(), kind, "queue")
		return op
	}
	return g.mustBegin(kind, "queue")
}

func (q *Queue[T]) end(g *gstate, op *Op, err error) {
	if g == nil {
		op.End(0, err)
		return
	}
	g.mustEnd(op, err)
}

// block waits until the other side has served w. If the wait is cut short
// and w is still in its list, it is removed (nothing moved) and the call
// unwinds; if the other side served it meanwhile, the call completes.
func (q *Queue[T]) block(g *gstate, op *Op, w *qwaiter[T], list *[]*qwaiter[T]) {
	if g == nil {
		<-w.done
		op.End(0, nil)
		return
	}
	err := g.wait(w.done, time.Time{})
	if err != nil {
		q.mu.Lock()
		removed := false
		for i, x := range *list {
			if x == w {
				*list = append((*list)[:i], (*list)[i+1:]...)
				removed = true
				break
			}
		}
		q.mu.Unlock()
		if !removed {
			err = nil // served while we were interrupted: keep what moved
		}
	}
	g.mustEnd(op, err)
}
