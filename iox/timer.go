package iox

import (
	"context"
	"time"
)

// The Timer type represents a single event, as time.Timer does. When the
// Timer expires, the current time will be sent on C, unless the Timer was
// created by AfterFunc. A Timer must be created with NewTimer or AfterFunc.
//
// The channel has the synchronous semantics of Go 1.23: after Stop or Reset
// returns, no stale value is received. A receive from C is a plain channel
// receive, which coop cannot see: in a killed task, the task's pending
// timers fire at once so that the receive ends, and the kill lands at the
// next blocking call; in Cooperative mode, a task blocked on <-C keeps the
// turn (the watchdog reports it), so wait with Recv(t.C) where that
// matters. Inside a timeout scope, a timer fires no later than the scope's
// deadline, and Recv(t.C) unwinds to the scope's Timeout.
type Timer struct {
	C  <-chan time.Time
	ct clockTimer
}

// NewTimer creates a new Timer that will send the current time on its
// channel after at least duration d, on the calling goroutine's scheduler
// clock.
//
// In a killed task or an expired timeout scope NewTimer unwinds, as Sleep
// does: creating a timer is where timer loops wait next.
func NewTimer(d time.Duration) *Timer {
	g := current()
	d = g.timerStart(d)
	ct := g.sched().clock.NewTimer(d)
	if g != nil && g.task != nil {
		g.trackTimer(ct.ref())
	}
	return &Timer{C: ct.C(), ct: ct}
}

// After waits for the duration to elapse and then sends the current time on
// the returned channel. It is equivalent to NewTimer(d).C.
func After(d time.Duration) <-chan time.Time { return NewTimer(d).C }

// AfterFunc waits for the duration to elapse and then calls f as a new task
// of the calling task's scheduler (of Default outside a task), so that in
// Cooperative mode f takes the turn like any task. It returns a Timer that
// can be used to cancel the call using its Stop method. The returned
// Timer's C field is not used and will be nil.
func AfterFunc(d time.Duration, f func()) *Timer {
	if f == nil {
		panic("iox: AfterFunc called with a nil function")
	}
	g := current()
	s := g.sched()
	g.timerStart(d)
	parent := context.Background()
	if g != nil && g.env != nil {
		parent = context.WithValue(parent, envKey{}, g.env) // the callback runs on the caller's host
	}
	ct := s.clock.AfterFunc(d, func() {
		s.GoContext(parent, func(context.Context) error { f(); return nil })
	})
	return &Timer{ct: ct}
}

// Stop prevents the Timer from firing. It returns true if the call stops
// the timer, false if the timer has already expired or been stopped. For a
// timer created with NewTimer, no stale value is received from C after Stop
// returns. Stop never unwinds.
func (t *Timer) Stop() bool {
	if t.ct == nil {
		panic("iox: Stop called on uninitialized Timer")
	}
	return t.ct.Stop()
}

// Reset changes the timer to expire after duration d. It returns true if
// the timer had been active, false if the timer had expired or been
// stopped. Like NewTimer, it unwinds in a killed task or expired scope.
func (t *Timer) Reset(d time.Duration) bool {
	if t.ct == nil {
		panic("iox: Reset called on uninitialized Timer")
	}
	return t.ct.Reset(current().timerStart(d))
}

// timerCheck unwinds if the goroutine's task is killed or its scope has
// expired.
func (g *gstate) timerCheck() {
	if g == nil {
		return
	}
	if err := g.check(); err != nil {
		g.unwindFor(err)
	}
}

// timerStart checks the goroutine like timerCheck and returns d shortened
// to the goroutine's scope deadline.
func (g *gstate) timerStart(d time.Duration) time.Duration {
	if g == nil {
		return d
	}
	g.timerCheck()
	if dl, ok := g.deadline(); ok {
		if left := dl.Sub(g.sched().clock.Now()); left < d {
			d = left
		}
	}
	return d
}
