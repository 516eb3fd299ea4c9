package iox

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// check is a daemon's health check: a blocking call with an error result.
func check() error { return Block("check", func() error { return nil }) }

// A daemon loop that logs and ignores errors, waiting on a raw ticker
// receive coop cannot see: once killed, it ends within 50ms (here, at
// once), and its deferred cleanup runs. Today's loop would log "DOWN"
// forever.
func TestSwallowingLoopEndsAfterKill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New()
		defer s.Close()
		logged, cleaned := 0, false
		tk := s.Go(func(ctx context.Context) error {
			defer func() { cleaned = true }()
			tick := NewTicker(time.Second)
			defer tick.Stop()
			for {
				if err := check(); err != nil {
					logged++ // log.Printf("DOWN: %v", err)
				}
				<-tick.C
			}
		})
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		start := time.Now()
		tk.Kill(errReason)
		err := tk.Wait()
		if !errors.Is(err, errReason) {
			t.Fatalf("task ended with %v, want the kill", err)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Fatalf("the loop ran on for %v after its kill", d)
		}
		if !cleaned {
			t.Fatal("the loop's deferred cleanup did not run")
		}
		if logged > toldLimit {
			t.Fatalf("the loop logged the kill %d times, want at most %d", logged, toldLimit)
		}
		t.Logf("logged the kill %d times, ended %v after it", logged, time.Since(start))
	})
}

// The same loop inside a scope ends when the scope expires: its Timeout
// returns ErrTimeout within 50ms of the deadline.
func TestSwallowingLoopEndsAtScopeExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logged, cleaned := 0, false
		start := time.Now()
		err := Timeout(2500*time.Millisecond, func() error {
			defer func() { cleaned = true }()
			tick := NewTicker(time.Second)
			defer tick.Stop()
			for {
				if err := check(); err != nil {
					logged++
				}
				<-tick.C
			}
		})
		if err != ErrTimeout {
			t.Fatalf("Timeout = %v, want ErrTimeout", err)
		}
		if d := time.Since(start) - 2500*time.Millisecond; d > 50*time.Millisecond {
			t.Fatalf("the loop ran on for %v after its scope expired", d)
		}
		if !cleaned || logged > toldLimit {
			t.Fatalf("cleanup ran: %v; logged %d times, want at most %d", cleaned, logged, toldLimit)
		}
	})
}

// A killed task's ranged ticker does not storm: a loop of raw receives
// with no call of coop sees a handful of ticks, then none faster than the
// period. (It was about 8,200 in 1ms.)
func TestKilledTickerDoesNotStorm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New()
		defer s.Close()
		ticks := 0
		killed := make(chan struct{})
		stop := make(chan struct{})
		tk := s.Go(func(ctx context.Context) error {
			tick := NewTicker(time.Hour)
			defer tick.Stop()
			<-killed
			for {
				select {
				case <-tick.C:
					ticks++
				case <-stop:
					return nil
				}
			}
		})
		synctest.Wait()
		tk.Kill(errReason)
		close(killed)
		time.Sleep(10 * time.Millisecond)
		synctest.Wait()
		close(stop)
		tk.Wait()
		if ticks < 1 || ticks > 10 {
			t.Fatalf("a killed task's ticker ticked %d times in 10ms, want a handful (1 to 10)", ticks)
		}
	})
}

// Deferred cleanup that makes blocking calls while a killed task unwinds
// gets errors from them, rather than unwinding again.
func TestCleanupCallsDuringUnwindReturnErrors(t *testing.T) {
	s := New()
	defer s.Close()
	cleanupErr := make(chan error, 1)
	looping := make(chan struct{})
	tk := s.Go(func(ctx context.Context) error {
		defer func() { cleanupErr <- check() }()
		close(looping)
		for {
			check()
		}
	})
	<-looping // killed before it started, it would not run at all
	tk.Kill(errReason)
	if err := tk.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("task ended with %v", err)
	}
	if err := <-cleanupErr; !errors.Is(err, errReason) {
		t.Fatalf("the cleanup's call returned %v, want the kill error", err)
	}
}
