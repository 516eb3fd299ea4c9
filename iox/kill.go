package iox

import "strconv"

// Kill asks the task to stop: its context is cancelled with the kill
// error as cause, the blocking call it is in (if any) is interrupted, and
// its later blocking calls do not run. The first call that meets the kill
// and has an error result returns an error matching ErrKilled and reason
// (which may be nil); calls without one, and every call after that first,
// unwind the task as runtime.Goexit does (deferred calls run), so that a
// loop that ignores errors ends at its next blocking call. Kill also
// kills the task's children. It does not wait: use Wait. Kill of a task
// that has ended does nothing; the first kill's reason is kept.
//
// A task killed before its function started never runs it, and so none
// of its deferred calls run, as a greenlet killed before it started.
func (t *Task) Kill(reason error) {
	if t.state.Load() != taskRunning {
		return
	}
	k := &killedError{reason: reason}
	if !t.killed.CompareAndSwap(nil, k) {
		return
	}
	t.cancel(k)
	if op := t.g.cur.Load(); op != nil {
		op.interrupt()
	}
	t.fireTimers()
	t.mu.Lock()
	var kids []*Task
	for c := t.children; c != nil; c = c.cNext {
		kids = append(kids, c)
	}
	t.mu.Unlock()
	for _, c := range kids {
		c.Kill(reason)
	}
}

// KillAll kills every task given with reason; see Task.Kill. It does not
// wait: use JoinAll.
func KillAll(reason error, tasks ...*Task) {
	for i, t := range tasks {
		if t == nil {
			panic("iox: KillAll: task " + strconv.Itoa(i) + " is nil")
		}
	}
	for _, t := range tasks {
		t.Kill(reason)
	}
}

// trackTimer records a timer or ticker made by the goroutine's task, so
// that a kill fires it and a raw receive from its channel ends.
func (g *gstate) trackTimer(r timerRef) {
	if g == nil || g.task == nil {
		return
	}
	t := g.task
	t.mu.Lock()
	if len(t.timers) == cap(t.timers) && len(t.timers) >= 8 {
		live := t.timers[:0]
		for _, r := range t.timers {
			if r.alive() {
				live = append(live, r)
			}
		}
		clear(t.timers[len(live):])
		t.timers = live
	}
	t.timers = append(t.timers, r)
	t.mu.Unlock()
	// A kill that landed after the caller's check did not see this timer.
	if t.killed.Load() != nil {
		r.fire()
	}
}

// fireTimers makes the killed task's pending timers fire now and its
// tickers tick now, so that a receive from their channels ends.
func (t *Task) fireTimers() {
	t.mu.Lock()
	refs := t.timers
	t.timers = nil
	t.mu.Unlock()
	for _, r := range refs {
		r.fire()
	}
}
