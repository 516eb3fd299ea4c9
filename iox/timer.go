package iox

import (
	"context"
	"sync/atomic"
	"time"
	"weak"
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
// deadline.
//
// Timers and tickers are the one place below the door that uses package
// time's own timers rather than the scheduler's clock: only a runtime
// timer's channel is collected with its timer when nobody holds either
// (time.Tick in a loop, time.After in a select), as Go 1.23 promises. A
// virtual clock will need a timer of its own here.
type Timer struct {
	C  <-chan time.Time
	rt *time.Timer
}

// NewTimer creates a new Timer that will send the current time on its
// channel after at least duration d.
//
// In a killed task or an expired timeout scope NewTimer unwinds, as Sleep
// does: creating a timer is where timer loops wait next.
func NewTimer(d time.Duration) *Timer {
	g := current()
	d = g.timerStart(d)
	rt := time.NewTimer(d)
	g.trackTimer(rt, nil, nil)
	return &Timer{C: rt.C, rt: rt}
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
	rt := time.AfterFunc(d, func() {
		s.Go(func(context.Context) error { f(); return nil })
	})
	return &Timer{rt: rt}
}

// Stop prevents the Timer from firing. It returns true if the call stops
// the timer, false if the timer has already expired or been stopped. For a
// timer created with NewTimer, no stale value is received from C after Stop
// returns. Stop never unwinds.
func (t *Timer) Stop() bool {
	if t.rt == nil {
		panic("iox: Stop called on uninitialized Timer")
	}
	return t.rt.Stop()
}

// Reset changes the timer to expire after duration d. It returns true if
// the timer had been active, false if the timer had expired or been
// stopped. Like NewTimer, it unwinds in a killed task or expired scope.
func (t *Timer) Reset(d time.Duration) bool {
	if t.rt == nil {
		panic("iox: Reset called on uninitialized Timer")
	}
	g := current()
	return t.rt.Reset(g.timerStart(d))
}

// A Ticker holds a channel that delivers “ticks” of a clock at intervals,
// as time.Ticker does. See Timer for what a kill, a scope and Cooperative
// mode do to a receive from C; a killed task's ticker ticks at once and then
// keeps its interval.
type Ticker struct {
	C  <-chan time.Time
	rt *time.Ticker
	st *tickerState
}

type tickerState struct {
	period  atomic.Int64 // time.Duration
	stopped atomic.Bool
}

// NewTicker returns a new Ticker containing a channel that will send the
// current time on the channel after each tick. The period of the ticks is
// specified by the duration argument. The ticker will adjust the time
// interval or drop ticks to make up for slow receivers. The duration d must
// be greater than zero; if not, NewTicker will panic. Stop the ticker to
// release associated resources.
func NewTicker(d time.Duration) *Ticker {
	if d <= 0 {
		panic("non-positive interval for NewTicker")
	}
	g := current()
	g.timerCheck()
	rt := time.NewTicker(d)
	st := &tickerState{}
	st.period.Store(int64(d))
	g.trackTimer(nil, rt, st)
	return &Ticker{C: rt.C, rt: rt, st: st}
}

// Tick is a convenience wrapper for NewTicker providing access to the
// ticking channel only. Unlike NewTicker, Tick will return nil if d <= 0.
func Tick(d time.Duration) <-chan time.Time {
	if d <= 0 {
		return nil
	}
	return NewTicker(d).C
}

// Stop turns off a ticker. After Stop, no more ticks will be sent. Stop
// does not close the channel, to prevent a concurrent goroutine reading
// from the channel from seeing an erroneous "tick".
func (t *Ticker) Stop() {
	if t.rt == nil {
		panic("iox: Stop called on uninitialized Ticker")
	}
	t.st.stopped.Store(true)
	t.rt.Stop()
}

// Reset stops a ticker and resets its period to the specified duration.
// The next tick will arrive after the new period elapses. The duration d
// must be greater than zero; if not, Reset will panic. Like NewTicker, it
// unwinds in a killed task or expired scope.
func (t *Ticker) Reset(d time.Duration) {
	if d <= 0 {
		panic("non-positive interval for Ticker.Reset")
	}
	if t.rt == nil {
		panic("iox: Reset called on uninitialized Ticker")
	}
	current().timerCheck()
	t.st.period.Store(int64(d))
	t.st.stopped.Store(false)
	t.rt.Reset(d)
}

// timerCheck unwinds if the goroutine's task is killed or its scope has
// expired.
func (g *gstate) timerCheck() {
	if g == nil {
		return
	}
	if err := g.check(); err != nil {
		g.unwind(err)
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

// timerRef is a task's weak reference to one of its timers or tickers: the
// task can fire it when killed without keeping it alive (a timer whose
// channel nobody holds is collected, as in package time).
type timerRef struct {
	timer  weak.Pointer[time.Timer]
	ticker weak.Pointer[time.Ticker]
	st     *tickerState
}

// trackTimer records a timer or ticker made by the goroutine's task.
func (g *gstate) trackTimer(rt *time.Timer, tk *time.Ticker, st *tickerState) {
	if g == nil || g.task == nil {
		return
	}
	ref := timerRef{st: st}
	if rt != nil {
		ref.timer = weak.Make(rt)
	} else {
		ref.ticker = weak.Make(tk)
	}
	t := g.task
	t.mu.Lock()
	defer func() {
		t.mu.Unlock()
		// A kill that landed after timerCheck did not see this timer.
		if t.killed.Load() != nil {
			fireRef(ref)
		}
	}()
	if len(t.timers) == cap(t.timers) && len(t.timers) >= 8 {
		live := t.timers[:0]
		for _, r := range t.timers {
			if r.timer.Value() != nil || r.ticker.Value() != nil {
				live = append(live, r)
			}
		}
		clear(t.timers[len(live):])
		t.timers = live
	}
	t.timers = append(t.timers, ref)
}

// tickerWake is how soon a killed task's ticker ticks, and tickerRestore
// how long it keeps that pace before it returns to its period.
const (
	tickerWake    = time.Nanosecond
	tickerRestore = time.Millisecond
)

// fireTimers makes the killed task's pending timers fire now and its
// tickers tick now, so that a receive from their channels ends.
func (t *Task) fireTimers() {
	t.mu.Lock()
	refs := t.timers
	t.timers = nil
	t.mu.Unlock()
	for _, r := range refs {
		fireRef(r)
	}
}

func fireRef(r timerRef) {
	if rt := r.timer.Value(); rt != nil {
		if rt.Stop() {
			rt.Reset(0)
		}
	} else if tk := r.ticker.Value(); tk != nil && !r.st.stopped.Load() {
		st := r.st
		tk.Reset(tickerWake)
		time.AfterFunc(tickerRestore, func() {
			if !st.stopped.Load() {
				tk.Reset(time.Duration(st.period.Load()))
			}
		})
	}
}
