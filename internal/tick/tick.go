// Package tick is a cheap monotonic timestamp for reporting: the CPU's
// time-stamp counter where it is invariant (constant rate, running in every
// power state, as on current x86 servers), the runtime's monotonic clock
// elsewhere. A read costs about a third of time.Now on a virtual machine.
//
// Ticks convert to nanoseconds with a rate measured against the monotonic
// clock over the life of the process, so conversions get more exact the
// longer the process runs (to better than 0.01% after a few milliseconds).
package tick

import (
	"sync/atomic"
	"time"
)

var (
	base      = time.Now() // carries the monotonic reading
	baseTicks = read()
)

// Now returns the current tick count.
func Now() int64 { return read() }

// Since returns the duration between tick count t and now.
func Since(t int64) time.Duration { return Duration(Now() - t) }

// Duration converts a difference of tick counts into a duration. A
// negative difference (two cores whose counters disagree by a few ticks)
// gives zero.
func Duration(d int64) time.Duration {
	if d <= 0 {
		return 0
	}
	if !tsc {
		return time.Duration(d)
	}
	return time.Duration(float64(d) * nsPerTick())
}

// Time converts a tick count into a wall-clock time.
func Time(t int64) time.Time {
	return base.Add(Duration(t - baseTicks))
}

// Invariant reports whether ticks come from the CPU's counter.
func Invariant() bool { return tsc }

// rate caches the last measured nanoseconds per tick, as float64 bits.
var rate atomic.Uint64

// nsPerTick measures the counter's rate against the monotonic clock since
// the process started; it re-measures at most once per millisecond of
// elapsed time so that conversions stay cheap.
func nsPerTick() float64 {
	r := rate.Load()
	if r != 0 && r&1 == 1 {
		return fromBits(r)
	}
	return measure()
}

func measure() float64 {
	el := time.Since(base)
	t := read() - baseTicks
	if t <= 0 || el <= 0 {
		return 1
	}
	r := float64(el) / float64(t)
	bits := toBits(r)
	if el > time.Second {
		bits |= 1 // settled: precise enough to keep
	} else {
		bits &^= 1
	}
	rate.Store(bits)
	return r
}
