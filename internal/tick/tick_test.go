package tick

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMonotonicAndConverts(t *testing.T) {
	t.Logf("invariant TSC: %v", Invariant())
	a := Now()
	start := time.Now()
	deadline := start.Add(20 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	b := Now()
	wall := time.Since(start)
	if b <= a {
		t.Fatalf("ticks went from %d to %d", a, b)
	}
	got := Duration(b - a)
	// Both clocks measured the same busy stretch; allow for the reads
	// around it.
	if diff := got - wall; diff < -time.Millisecond || diff > time.Millisecond {
		t.Fatalf("Duration(ticks over %v) = %v", wall, got)
	}
	if d := Duration(-5); d != 0 {
		t.Fatalf("Duration(-5) = %v, want 0", d)
	}
	if tm := Time(Now()); time.Until(tm).Abs() > time.Millisecond {
		t.Fatalf("Time(Now()) = %v, want about %v", tm, time.Now())
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
