package iox

import "time"

// clock is a scheduler's source of time: the one clock below the door.
// Every timestamp (events, Snapshot, Stats), every timer and ticker, and
// every wait reads it, never package time or internal/tick directly, so
// that Simulated mode's virtual clock can take its place. The real clock
// (realclock.go) is the only code that reads the machine's.
type clock interface {
	// Now returns the current time.
	Now() time.Time
	// stamp returns a cheap reading for measuring durations; elapsed
	// converts a difference of readings, wall a reading into a time.
	stamp() int64
	elapsed(d int64) time.Duration
	wall(stamp int64) time.Time

	NewTimer(d time.Duration) clockTimer
	AfterFunc(d time.Duration, f func()) clockTimer
	NewTicker(d time.Duration) clockTicker
}

// clockTimer is a one-shot timer of a clock.
type clockTimer interface {
	C() <-chan time.Time
	Stop() bool
	Reset(d time.Duration) bool
	// ref returns a reference through which a kill fires the timer at
	// once, without keeping it alive.
	ref() timerRef
}

// clockTicker is a ticker of a clock.
type clockTicker interface {
	C() <-chan time.Time
	Stop()
	Reset(d time.Duration)
	ref() timerRef
}

// timerRef fires a timer or ticker of a killed task, so that a raw receive
// from its channel ends; it reports false once the timer is gone.
type timerRef interface {
	fire() bool
	alive() bool
}

// Sleep pauses the current goroutine for at least the duration d, on its
// scheduler's clock. A negative or zero duration causes Sleep to return
// immediately; in a task of a Cooperative scheduler it yields the turn
// first, as gevent.sleep(0) does.
//
// Sleep is a blocking call without an error result: it releases the turn
// while it waits; a kill ends the task as runtime.Goexit does, and an
// expired timeout scope unwinds to its Timeout (see Timeout).
func Sleep(d time.Duration) {
	if d <= 0 {
		Yield()
		return
	}
	g := current()
	until := g.sched().clock.Now().Add(d)
	waitUnwinding(g, OpSleep, "", until, nil, func(a *armed) error { return a.on(nil) })
}

// Now returns the current time on the calling goroutine's scheduler
// clock: the machine's in Free and Cooperative modes, the virtual clock in
// Simulated mode.
func Now() time.Time {
	return current().sched().clock.Now()
}

// Since returns the time elapsed since t; it is shorthand for
// Now().Sub(t).
func Since(t time.Time) time.Duration { return Now().Sub(t) }

// Until returns the duration until t; it is shorthand for t.Sub(Now()).
func Until(t time.Time) time.Duration { return t.Sub(Now()) }
