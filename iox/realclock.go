package iox

import (
	"sync/atomic"
	"time"
	"weak"

	"github.com/coop-go/coop/internal/tick"
)

// realClock is the machine's clock. Timestamps come from internal/tick (the
// CPU's counter where it is invariant), times and timers from package
// time. This file is the only one below the door that reads either; a test
// (clock_grep_test.go) keeps it so.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) stamp() int64 { return tick.Now() }

func (realClock) elapsed(d int64) time.Duration { return tick.Duration(d) }

func (realClock) wall(s int64) time.Time { return tick.Time(s) }

func (realClock) NewTimer(d time.Duration) clockTimer { return &realTimer{time.NewTimer(d)} }

func (realClock) AfterFunc(d time.Duration, f func()) clockTimer {
	return &realTimer{time.AfterFunc(d, f)}
}

func (realClock) NewTicker(d time.Duration) clockTicker {
	return newRealTicker(d)
}

// realTimer is a runtime timer. Timers are runtime timers rather than the
// scheduler's own so that a timer whose channel nobody holds is collected
// with it (time.After in a select, time.Tick in a loop), as package time
// promises since Go 1.23.
type realTimer struct{ t *time.Timer }

func (t *realTimer) C() <-chan time.Time        { return t.t.C }
func (t *realTimer) Stop() bool                 { return t.t.Stop() }
func (t *realTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }

// ref holds the runtime timer weakly: the timer's channel keeps the timer
// alive, so the reference lives exactly as long as someone can receive.
func (t *realTimer) ref() timerRef { return weakTimer{weak.Make(t.t)} }

type weakTimer struct{ p weak.Pointer[time.Timer] }

func (w weakTimer) alive() bool { return w.p.Value() != nil }

func (w weakTimer) fire() bool {
	rt := w.p.Value()
	if rt == nil {
		return false
	}
	if rt.Stop() {
		rt.Reset(0)
	}
	return true
}

// realTicker is a runtime ticker and what a kill needs of it.
type realTicker struct {
	t  *time.Ticker
	st *tickerState
}

// tickerState is whether the ticker was stopped and its period, shared
// with the weak reference a kill fires.
type tickerState struct {
	stopped atomic.Bool
	period  atomic.Int64 // time.Duration
}

func newRealTicker(d time.Duration) *realTicker {
	t := &realTicker{t: time.NewTicker(d), st: new(tickerState)}
	t.st.period.Store(int64(d))
	return t
}

func (t *realTicker) C() <-chan time.Time { return t.t.C }

func (t *realTicker) Stop() {
	t.st.stopped.Store(true)
	t.t.Stop()
}

func (t *realTicker) Reset(d time.Duration) {
	t.st.period.Store(int64(d))
	t.st.stopped.Store(false)
	t.t.Reset(d)
}

func (t *realTicker) ref() timerRef { return weakTicker{weak.Make(t.t), t.st} }

type weakTicker struct {
	p  weak.Pointer[time.Ticker]
	st *tickerState
}

// A killed task's ticker ticks within tickerWake, so that a raw receive
// from it ends, and goes back to its period after tickerRestore: a loop
// that receives from it without a blocking call of coop in between sees
// at most tickerRestore/tickerWake ticks, not a storm.
const (
	tickerWake    = 100 * time.Microsecond
	tickerRestore = time.Millisecond
)

func (w weakTicker) alive() bool { return w.p.Value() != nil }

func (w weakTicker) fire() bool {
	tk := w.p.Value()
	if tk == nil {
		return false
	}
	if w.st.stopped.Load() {
		return true
	}
	tk.Reset(tickerWake)
	st := w.st
	time.AfterFunc(tickerRestore, func() {
		if !st.stopped.Load() {
			tk.Reset(time.Duration(st.period.Load()))
		}
	})
	return true
}
