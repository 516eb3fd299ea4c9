package tick

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The two clocks are compared over a busy stretch through readings that
// bracket each other, so that the thread being descheduled between two
// reads (a loaded machine does that for milliseconds) widens the bracket
// instead of failing the test; the tolerance is then only for the
// calibration and the conversion.
func TestMonotonicAndConverts(t *testing.T) {
	t.Logf("invariant TSC: %v", Invariant())
	a0 := Now()
	start := time.Now()
	a1 := Now()
	deadline := start.Add(20 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	b0 := Now()
	wall := time.Since(start)
	b1 := Now()
	if b0 <= a1 {
		t.Fatalf("ticks went from %d to %d", a1, b0)
	}
	// The ticks between the two wall readings are at least b0-a1 and at
	// most b1-a0.
	if lo, hi := Duration(b0-a1), Duration(b1-a0); wall < lo-time.Millisecond || wall > hi+time.Millisecond {
		t.Fatalf("wall clock %v over a stretch the ticks measure as %v to %v", wall, lo, hi)
	}
	if d := Duration(-5); d != 0 {
		t.Fatalf("Duration(-5) = %v, want 0", d)
	}
	before := time.Now()
	tm := Time(Now())
	after := time.Now()
	if tm.Before(before.Add(-time.Millisecond)) || tm.After(after.Add(time.Millisecond)) {
		t.Fatalf("Time(Now()) = %v, want between %v and %v", tm, before, after)
	}
}

func BenchmarkNow(b *testing.B) {
	for range b.N {
		Now()
	}
}

func BenchmarkTimeNow(b *testing.B) {
	for range b.N {
		time.Now()
	}
}
