// Package timex provides the standard library time package, with Sleep,
// timers and tickers on the coop scheduler's clock. To move a program to it,
// swap
//
//	import "time"
//
// for
//
//	import time "github.com/coop-go/coop/iox/timex"
//
// and nothing else: every exported name of package time exists in package
// timex, with the same kind and signature.
//
// Duration, Time, Month, Location, the layouts, Parse, Date, Unix and the
// rest of package time's values and calendar are package time's own: the
// types are aliases, the constants the same constants, and the functions
// forward to package time. Sleep, After, AfterFunc, Tick, NewTimer,
// NewTicker, Now, Since and Until, and the Timer and Ticker types, are
// those of package iox: they wait on the calling task's scheduler, which a
// kill or an expired timeout scope interrupts (see iox.Sleep and
// iox.Timer). Outside a task they behave as package time's do, except
// that AfterFunc calls its function as a task of iox.Default.
//
// Two things cannot mirror package time exactly. A *timex.Timer is an
// *iox.Timer, not a *time.Timer (and likewise for Ticker): code that passes
// one to a package still importing "time" and expecting a *time.Timer does
// not compile. And the variables Local and UTC are copies of package time's,
// taken at program start: they point to the same Locations, but assigning a
// new Location to time.Local does not change timex.Local, nor the reverse.
package timex

import (
	"github.com/coop-go/coop/iox"
)

// The Timer type represents a single event. When the Timer expires, the
// current time will be sent on C, unless the Timer was created by
// AfterFunc. A Timer must be created with NewTimer or AfterFunc. It is
// iox.Timer, whose documentation says what a kill, a timeout scope and
// Cooperative mode do to a receive from C.
type Timer = iox.Timer

// A Ticker holds a channel that delivers “ticks” of a clock at intervals.
// It is iox.Ticker.
type Ticker = iox.Ticker

// Sleep pauses the current goroutine for at least the duration d, on the
// scheduler's clock. A negative or zero duration causes Sleep to return
// immediately. In a task, a kill or an expired timeout scope ends the
// sleep; see iox.Sleep.
func Sleep(d Duration) { iox.Sleep(d) }

// After waits for the duration to elapse and then sends the current time
// on the returned channel. It is equivalent to NewTimer(d).C; see
// iox.After.
func After(d Duration) <-chan Time { return iox.After(d) }

// AfterFunc waits for the duration to elapse and then calls f as a new
// task of the calling task's scheduler (of iox.Default outside a task). It
// returns a Timer that can be used to cancel the call using its Stop
// method. The returned Timer's C field is not used and will be nil. See
// iox.AfterFunc.
func AfterFunc(d Duration, f func()) *Timer { return iox.AfterFunc(d, f) }

// NewTimer creates a new Timer that will send the current time on its
// channel after at least duration d, on the scheduler's clock. See
// iox.NewTimer.
func NewTimer(d Duration) *Timer { return iox.NewTimer(d) }

// NewTicker returns a new Ticker containing a channel that will send the
// current time on the channel after each tick. The period of the ticks is
// specified by the duration argument. The ticker will adjust the time
// interval or drop ticks to make up for slow receivers. The duration d must
// be greater than zero; if not, NewTicker will panic. See iox.NewTicker.
func NewTicker(d Duration) *Ticker { return iox.NewTicker(d) }

// Tick is a convenience wrapper for NewTicker providing access to the
// ticking channel only. Unlike NewTicker, Tick will return nil if d <= 0.
// See iox.Tick.
func Tick(d Duration) <-chan Time { return iox.Tick(d) }

// Now returns the current time on the calling task's scheduler clock (the
// machine's clock, in local time, outside a task). See iox.Now.
func Now() Time { return iox.Now() }

// Since returns the time elapsed since t. It is shorthand for
// Now().Sub(t), on the scheduler's clock.
func Since(t Time) Duration { return iox.Since(t) }

// Until returns the duration until t. It is shorthand for t.Sub(Now()), on
// the scheduler's clock.
func Until(t Time) Duration { return iox.Until(t) }
