package iox

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// turner is the turn of a scheduler that has one: Cooperative mode's
// (turn, below) or Simulated mode's (simturn.go). A goroutine that holds
// the turn runs; release gives it up at a blocking call, acquire takes it
// back, enqueue puts a new task in line, yield lets the others go first.
type turner interface {
	acquire(g *gstate)
	release(g *gstate)
	enqueue(g *gstate)
	yield(g *gstate)
	// inspect calls f with the goroutines waiting for the turn and the
	// holder, for Snapshot.
	inspect(f func(queued map[*gstate]bool, holder *gstate))
}

// turn is the token of a Cooperative scheduler: the task holding it is the
// only one running. Waiting tasks queue in arrival order and pick chooses
// which of them runs next (the first, unless replaced).
//
// While nobody waits, giving the turn up and taking it back are one
// compare-and-swap each on holder. Waiters go through mu: a waiter counts
// itself in waiters before it tries holder, and a releaser clears holder
// before it looks at waiters, so one of the two always sees the other. A
// grant to a waiter goes through the waiter's turnCh, so every hand-off is a
// happens-before edge from the task that gave the turn up to the one that
// got it, and so is the compare-and-swap on the fast path.
type turn struct {
	holder  atomic.Pointer[gstate]
	waiters atomic.Int32  // tasks queued or about to be
	grants  atomic.Uint64 // grants so far, for the watchdog

	mu    sync.Mutex
	queue runQueue // under mu
	pick  func(n int) int
}

// runQueue is the tasks waiting for the turn, in arrival order: a slice
// whose head advances as tasks leave from the front (the usual case), so
// that taking the next task costs nothing however long the queue.
type runQueue struct {
	items []*gstate
	head  int
}

func (q *runQueue) len() int { return len(q.items) - q.head }

func (q *runQueue) at(i int) *gstate { return q.items[q.head+i] }

func (q *runQueue) push(g *gstate) {
	if q.head > 0 && q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > 64 && q.head*2 > len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, g)
}

// remove takes out the task at index i.
func (q *runQueue) remove(i int) {
	if i == 0 {
		q.items[q.head] = nil
		q.head++
		return
	}
	j := q.head + i
	copy(q.items[j:], q.items[j+1:])
	q.items[len(q.items)-1] = nil
	q.items = q.items[:len(q.items)-1]
}

// each calls f for every queued task.
func (q *runQueue) each(f func(*gstate)) {
	for _, g := range q.items[q.head:] {
		f(g)
	}
}

// acquire returns once g holds the turn.
func (tn *turn) acquire(g *gstate) {
	if tn.holder.Load() == g {
		return
	}
	if tn.waiters.Load() == 0 && tn.holder.CompareAndSwap(nil, g) {
		tn.grants.Add(1)
		return
	}
	if tn.join(g) {
		<-g.turnCh
	}
}

// enqueue puts a new task's g in line for the turn at spawn time, so that
// tasks first run in the order they were spawned. The task's goroutine
// starts when the task first gets the turn (see gstate.grant), at once if
// the turn is free, so that n tasks waiting for their first turn are n
// Tasks, not n parked goroutines.
func (tn *turn) enqueue(g *gstate) {
	g.unstarted = true
	if tn.join(g) {
		return // queued: the grant starts it
	}
	g.unstarted = false
	go g.task.run()
}

// join takes the free turn for g if nobody is queued, or queues g; it
// reports whether g was queued (and must wait on g.turnCh).
func (tn *turn) join(g *gstate) bool {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	tn.waiters.Add(1)
	if tn.queue.len() == 0 && tn.holder.CompareAndSwap(nil, g) {
		tn.waiters.Add(-1)
		tn.grants.Add(1)
		return false
	}
	tn.queue.push(g)
	return true
}

// release gives the turn up, if g holds it, to the next waiting task.
func (tn *turn) release(g *gstate) {
	if !tn.holder.CompareAndSwap(g, nil) {
		return // not the holder: the watchdog took the turn away
	}
	if tn.waiters.Load() != 0 {
		tn.handOff()
	}
}

// handOff grants a free turn to the next queued task, if any.
func (tn *turn) handOff() {
	tn.mu.Lock()
	if tn.queue.len() == 0 {
		tn.mu.Unlock()
		return
	}
	i := tn.choose()
	next := tn.queue.at(i)
	if !tn.holder.CompareAndSwap(nil, next) {
		tn.mu.Unlock() // taken on the fast path meanwhile; its release hands off
		return
	}
	tn.dequeue(i)
	tn.mu.Unlock()
	next.grant()
}

// yield hands the turn to the next waiting task, if any, and queues g
// behind the others. Queuing g and handing the turn over happen in one
// critical section: were they two steps, the next task could run and queue
// itself before g does.
func (tn *turn) yield(g *gstate) {
	if tn.waiters.Load() == 0 && tn.holder.Load() == g {
		return
	}
	tn.mu.Lock()
	cur := tn.holder.Load()
	if cur == g && tn.queue.len() == 0 {
		tn.mu.Unlock() // the waiter seen above took a free turn meanwhile
		return
	}
	tn.waiters.Add(1)
	tn.queue.push(g)
	if cur != g && cur != nil {
		tn.mu.Unlock() // the watchdog gave the turn away: wait for it
		<-g.turnCh
		return
	}
	i := tn.choose()
	next := tn.queue.at(i)
	if !tn.holder.CompareAndSwap(cur, next) {
		tn.mu.Unlock() // a free turn was taken meanwhile: wait in line
		<-g.turnCh
		return
	}
	tn.dequeue(i)
	tn.mu.Unlock()
	if next == g {
		return
	}
	next.grant()
	<-g.turnCh
}

func (tn *turn) inspect(f func(queued map[*gstate]bool, holder *gstate)) {
	queued := map[*gstate]bool{}
	tn.mu.Lock()
	tn.queue.each(func(g *gstate) { queued[g] = true })
	tn.mu.Unlock()
	f(queued, tn.holder.Load())
}

// choose returns the index of the queued task to run next; tn.mu is held.
func (tn *turn) choose() int {
	n := tn.queue.len()
	i := tn.pick(n)
	if i < 0 || i >= n {
		panic(errors.New("iox: the next-task choice returned an index out of range"))
	}
	return i
}

// dequeue removes queued task i; tn.mu is held.
func (tn *turn) dequeue(i int) {
	tn.queue.remove(i)
	tn.waiters.Add(-1)
	tn.grants.Add(1)
}

// revoke takes the turn from g, if g still holds it under the grant the
// watchdog saw, and gives it to the next queued task. It reports whether it
// did.
func (tn *turn) revoke(g *gstate, grant uint64) bool {
	tn.mu.Lock()
	if tn.holder.Load() != g || tn.grants.Load() != grant || tn.queue.len() == 0 {
		tn.mu.Unlock()
		return false
	}
	i := tn.choose()
	next := tn.queue.at(i)
	if !tn.holder.CompareAndSwap(g, next) {
		tn.mu.Unlock()
		return false
	}
	tn.dequeue(i)
	tn.mu.Unlock()
	next.grant()
	return true
}

// Yield gives other tasks a chance to run, as gevent.sleep(0) does. In a
// task of a Cooperative scheduler it hands the turn to the next waiting
// task and waits for its own turn again, behind the tasks already waiting;
// elsewhere it calls runtime.Gosched. Yield honours kill and scopes as
// Sleep does: in a killed task it unwinds the task, in an expired scope it
// unwinds to the scope's Timeout.
func Yield() {
	g := current()
	if g == nil {
		runtime.Gosched()
		return
	}
	g.timerCheck()
	if g.s != nil && (g.s.sim != nil || g.task != nil && g.s.coop != nil) {
		g.s.turn.yield(g)
	} else {
		runtime.Gosched()
	}
	g.timerCheck()
}
