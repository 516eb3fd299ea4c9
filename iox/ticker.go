package iox

import "time"

// A Ticker holds a channel that delivers “ticks” of a clock at intervals,
// as time.Ticker does. See Timer for what a kill, a scope and Cooperative
// mode do to a receive from C. A killed task's ticker ticks at once and
// then keeps its interval; a ticker of a timeout scope ticks when the
// scope expires, so a raw receive from it ends there too.
type Ticker struct {
	C  <-chan time.Time
	ct clockTicker
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
	ct := g.sched().clock.NewTicker(d)
	g.watchTicker(ct)
	return &Ticker{C: ct.C(), ct: ct}
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
	if t.ct == nil {
		panic("iox: Stop called on uninitialized Ticker")
	}
	t.ct.Stop()
}

// Reset stops a ticker and resets its period to the specified duration.
// The next tick will arrive after the new period elapses. The duration d
// must be greater than zero; if not, Reset will panic. Like NewTicker, it
// unwinds in a killed task or expired scope.
func (t *Ticker) Reset(d time.Duration) {
	if d <= 0 {
		panic("non-positive interval for Ticker.Reset")
	}
	if t.ct == nil {
		panic("iox: Reset called on uninitialized Ticker")
	}
	g := current()
	g.timerCheck()
	t.ct.Reset(d)
	g.watchTicker(t.ct)
}

// watchTicker has the goroutine's task fire ct when it is killed, and its
// scope when it expires.
func (g *gstate) watchTicker(ct clockTicker) {
	if g == nil || (g.task == nil && g.scope == nil) {
		return
	}
	r := ct.ref()
	if g.task != nil {
		g.trackTimer(r)
	}
	if g.scope != nil {
		g.scope.watch(func(error) { r.fire() })
	}
}
