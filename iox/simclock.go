package iox

import "time"

// simClock is a Simulated scheduler's clock: the bubble's virtual time
// (package time reads it inside a testing/synctest bubble, starting at
// 2000-01-01 00:00 UTC), with timers that the grant loop fires one at a
// time (simturn.go). With realclock.go, the only file below the door that
// reads package time's clock.
type simClock struct{ st *simTurn }

// simNow is the bubble's virtual time.
func simNow() time.Time { return time.Now() }

func (simClock) Now() time.Time { return time.Now() }

func (simClock) stamp() int64 { return time.Now().UnixNano() }

func (simClock) elapsed(d int64) time.Duration { return time.Duration(d) }

func (simClock) wall(s int64) time.Time { return time.Unix(0, s).UTC() }

func (c simClock) NewTimer(d time.Duration) clockTimer {
	return c.st.newTimer(d, 0, make(chan time.Time, 1), nil)
}

func (c simClock) AfterFunc(d time.Duration, f func()) clockTimer {
	return c.st.newTimer(d, 0, nil, f)
}

func (c simClock) NewTicker(d time.Duration) clockTicker {
	return simTicker{c.st.newTimer(d, d, make(chan time.Time, 1), nil)}
}

// sleep waits, in the grant loop, until d has passed on the virtual clock
// or the loop is woken (someone asks for the turn, a timer changed), and
// reports whether it was woken.
func (st *simTurn) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-st.wake:
		return true
	case <-t.C:
		return false
	}
}

// charge lets d pass on the virtual clock, in the grant loop, while every
// other goroutine of the world is blocked: exactly d passes.
func (st *simTurn) charge(d time.Duration) { time.Sleep(d) }
