package iox

import (
	"context"
	"time"
)

// clock is a scheduler's source of time. Everything below the door reads
// time and arms timers through it, never through package time directly, so
// that a virtual clock can take its place.
type clock interface {
	Now() time.Time
	NewTimer(d time.Duration) clockTimer
	AfterFunc(d time.Duration, f func()) clockTimer
}

// clockTimer is a one-shot timer of a clock.
type clockTimer interface {
	C() <-chan time.Time
	Stop() bool
	Reset(d time.Duration) bool
}

// realClock is the machine's clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) clockTimer { return realTimer{time.NewTimer(d)} }

func (realClock) AfterFunc(d time.Duration, f func()) clockTimer {
	return realTimer{time.AfterFunc(d, f)}
}

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time        { return t.t.C }
func (t realTimer) Stop() bool                 { return t.t.Stop() }
func (t realTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }

// Sleep pauses the current goroutine for at least the duration d, on its
// scheduler's clock. A negative or zero duration causes Sleep to return
// immediately; in a task of a Cooperative scheduler it yields the turn
// first, as gevent.sleep(0) does.
//
// Sleep is a blocking call without an error result: it releases the turn
// while it waits; a kill ends the task as runtime.Goexit does, and an
// expired timeout scope unwinds to its Timeout (see Timeout).
func Sleep(d time.Duration) {
	g := current()
	if g == nil {
		if op, _ := beginDetached(context.Background(), OpSleep, ""); op != nil {
			defer op.End(0, nil)
		}
		if d > 0 {
			t := Default().clock.NewTimer(d)
			<-t.C()
		}
		return
	}
	if d <= 0 {
		Yield()
		return
	}
	op := g.mustBegin(OpSleep, "")
	until := g.sched().clock.Now().Add(d)
	err := g.wait(nil, until)
	if err == errUntil {
		err = nil
	}
	g.mustEnd(op, err)
}

// Now returns the current time on the calling task's scheduler clock (the
// machine's clock in Free and Cooperative modes).
func Now() time.Time {
	return current().sched().clock.Now()
}

// Since returns the time elapsed since t; it is shorthand for
// Now().Sub(t).
func Since(t time.Time) time.Duration { return Now().Sub(t) }

// Until returns the duration until t; it is shorthand for t.Sub(Now()).
func Until(t time.Time) time.Duration { return t.Sub(Now()) }
