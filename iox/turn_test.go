package iox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// busy spends CPU without a blocking call.
func busy(n int) int {
	x := 0
	for i := range n {
		x += i * i
	}
	return x
}

var sink int

// The classic lost update: read, work, write. In Cooperative mode no other
// task runs between a task's blocking calls, so the count is exact and the
// race detector sees the hand-offs as happens-before edges. ReportOnly:
// on a machine loaded enough to hold a task off the CPU for the
// watchdog's 100 ms, HandOver would let two tasks run at once.
func TestCooperativeReadModifyWriteIsExact(t *testing.T) {
	s := New(WithMode(Cooperative), WithBlockingPolicy(ReportOnly))
	defer s.Close()
	const tasks, rounds = 40, 100
	counter := 0
	var all []*Task
	for range tasks {
		all = append(all, s.Go(func(ctx context.Context) error {
			for range rounds {
				v := counter
				sink += busy(2000) // a busy stretch between read and write
				counter = v + 1
				Yield()
			}
			return nil
		}))
	}
	if done := JoinAll(time.Minute, all...); len(done) != tasks {
		t.Fatalf("%d of %d tasks finished", len(done), tasks)
	}
	if counter != tasks*rounds {
		t.Fatalf("counter = %d, want %d", counter, tasks*rounds)
	}
}

func TestCooperativeBlockingCallReleasesTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(WithMode(Cooperative))
		defer s.Close()
		var log []string
		a := s.Go(func(ctx context.Context) error {
			log = append(log, "a sleeps")
			Sleep(time.Second)
			log = append(log, "a wakes")
			return nil
		})
		b := s.Go(func(ctx context.Context) error {
			log = append(log, "b runs")
			return nil
		})
		JoinAll(time.Minute, a, b)
		want := "a sleeps,b runs,a wakes"
		if got := strings.Join(log, ","); got != want {
			t.Fatalf("order = %s, want %s", got, want)
		}
	})
}

func TestCooperativeFIFO(t *testing.T) {
	s := New(WithMode(Cooperative))
	defer s.Close()
	var order []int
	var all []*Task
	start := make(chan struct{})
	gate := s.Go(func(ctx context.Context) error {
		// Holds the turn until every worker is queued, in spawn order.
		for i := range 5 {
			all = append(all, s.Go(func(ctx context.Context) error {
				for range 3 {
					order = append(order, i)
					Yield()
				}
				return nil
			}))
		}
		close(start)
		return nil
	})
	<-start
	gate.Wait()
	JoinAll(time.Minute, all...)
	want := []int{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4}
	if !slices.Equal(order, want) {
		t.Fatalf("run order = %v, want round robin %v", order, want)
	}
}

func TestCooperativePickIsReplaceable(t *testing.T) {
	last := func(n int) int { return n - 1 }
	s := New(WithMode(Cooperative), withPick(last))
	defer s.Close()
	var order []int
	var all []*Task
	gate := s.Go(func(ctx context.Context) error {
		for i := range 4 {
			all = append(all, s.Go(func(ctx context.Context) error {
				order = append(order, i)
				return nil
			}))
		}
		return nil
	})
	gate.Wait()
	JoinAll(time.Minute, all...)
	if want := []int{3, 2, 1, 0}; !slices.Equal(order, want) {
		t.Fatalf("run order with a last-first pick = %v, want %v", order, want)
	}
}

func TestCooperativeSpawnKeepsTurn(t *testing.T) {
	s := New(WithMode(Cooperative))
	defer s.Close()
	var log []string
	parent := s.Go(func(ctx context.Context) error {
		child := Spawn(func(ctx context.Context) error {
			log = append(log, "child")
			return nil
		})
		log = append(log, "parent after spawn")
		return child.Wait()
	})
	if err := parent.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(log, ","); got != "parent after spawn,child" {
		t.Fatalf("order = %s, want the parent to keep the turn until it blocks", got)
	}
}

type stallLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *stallLog) Observe(e Event) {
	if e.Kind == OpStall {
		l.mu.Lock()
		l.events = append(l.events, e)
		l.mu.Unlock()
	}
}

func (l *stallLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// A raw channel hand-off between two tasks would deadlock a strict
// one-at-a-time scheduler: the sender holds the turn while it blocks. The
// watchdog reports it and hands the turn over.
func TestWatchdogRescuesRawChannelHandOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &stallLog{}
		var printed syncBuffer
		s := New(WithMode(Cooperative), WithObserver(log), WithLog(&printed))
		defer s.Close()
		ch := make(chan int)
		start := time.Now()
		sender := s.Go(func(ctx context.Context) error { ch <- 42; return nil })
		var got int
		receiver := s.Go(func(ctx context.Context) error { got = <-ch; return nil })
		if err := errors.Join(sender.Wait(), receiver.Wait()); err != nil {
			t.Fatal(err)
		}
		if got != 42 {
			t.Fatalf("received %d, want 42", got)
		}
		evs := log.all()
		if len(evs) != 1 {
			t.Fatalf("%d stall reports, want 1", len(evs))
		}
		e := evs[0]
		if e.Task != sender || e.Duration < 100*time.Millisecond {
			t.Fatalf("report = task %v held %v; want the sender, ≥100ms", e.Task, e.Duration)
		}
		if !strings.Contains(string(e.Stack), "TestWatchdogRescuesRawChannelHandOff") {
			t.Fatalf("report's stack does not show the offender:\n%s", e.Stack)
		}
		if d := time.Since(start); d > 150*time.Millisecond {
			t.Fatalf("hand-over came after %v, want within 1.5 thresholds", d)
		}
		// The observer does not silence the printed report, and the
		// report shows file:line frames, not argument words.
		out := printed.String()
		if !strings.Contains(out, "held the turn") || !strings.Contains(out, "turn_test.go:") {
			t.Fatalf("printed report lacks the stall or the frame:\n%s", out)
		}
		if strings.Contains(out, "+0x") || strings.Contains(out, "(0x") {
			t.Fatalf("printed report shows raw words or offsets:\n%s", out)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for the watchdog's goroutine and the
// test's.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestWatchdogKillBlocker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &stallLog{}
		s := New(WithMode(Cooperative), WithMaxBlocking(10*time.Millisecond), WithBlockingPolicy(KillBlocker), WithObserver(log), WithLog(nil))
		defer s.Close()
		ch := make(chan int)
		offender := s.Go(func(ctx context.Context) error {
			<-ch // blocks holding the turn
			Sleep(time.Hour)
			return nil
		})
		other := s.Go(func(ctx context.Context) error { ch <- 1; return nil })
		if err := other.Wait(); err != nil {
			t.Fatal(err)
		}
		err := offender.Wait()
		if !errors.Is(err, ErrKilled) || !strings.Contains(err.Error(), "held the turn") {
			t.Fatalf("offender ended with %v, want a kill saying it held the turn", err)
		}
		if n := len(log.all()); n != 1 {
			t.Fatalf("%d reports, want 1", n)
		}
	})
}

func TestWatchdogReportOnlyKeepsTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &stallLog{}
		s := New(WithMode(Cooperative), WithMaxBlocking(10*time.Millisecond), WithBlockingPolicy(ReportOnly), WithObserver(log), WithLog(nil))
		defer s.Close()
		var order []string
		hog := s.Go(func(ctx context.Context) error {
			time.Sleep(50 * time.Millisecond) // a raw sleep, outside the scheduler
			order = append(order, "hog")
			return nil
		})
		other := s.Go(func(ctx context.Context) error { order = append(order, "other"); return nil })
		JoinAll(time.Hour, hog, other)
		if got := strings.Join(order, ","); got != "hog,other" {
			t.Fatalf("order = %s, want the hog to keep the turn", got)
		}
		if n := len(log.all()); n != 1 {
			t.Fatalf("%d reports, want 1", n)
		}
	})
}

func TestWatchdogOffAndFreeMode(t *testing.T) {
	for _, s := range []*Scheduler{
		New(WithMode(Cooperative), WithMaxBlocking(0)),
		New(),
	} {
		release := make(chan struct{})
		tk := s.Go(func(ctx context.Context) error { <-release; return nil })
		s.mu.Lock()
		dog := s.dog
		s.mu.Unlock()
		close(release)
		tk.Wait()
		if dog != nil {
			t.Fatalf("%v scheduler with max blocking %v runs a watchdog", s.Mode(), s.cfg.maxBlocking)
		}
		s.Close()
	}
}

func TestReportLimiter(t *testing.T) {
	var l reportLimiter
	now := time.Unix(0, 0)
	allowed := 0
	for range 100 {
		if l.allow(now) {
			allowed++
		}
	}
	if allowed != reportBurst {
		t.Fatalf("%d reports allowed at once, want the burst of %d", allowed, reportBurst)
	}
	now = now.Add(3 * reportInterval)
	allowed = 0
	for range 100 {
		if l.allow(now) {
			allowed++
		}
	}
	if allowed != 3 {
		t.Fatalf("%d reports allowed after 3 intervals, want 3", allowed)
	}
}

func TestModeStrings(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Free.String(), "Free"},
		{Cooperative.String(), "Cooperative"},
		{Mode(9).String(), "Mode(9)"},
		{HandOver.String(), "HandOver"},
		{OpRead.String(), "read"},
		{OpKind(200).String(), "OpKind(200)"},
	} {
		if tc.got != tc.want {
			t.Errorf("String() = %q, want %q", tc.got, tc.want)
		}
	}
	_ = fmt.Sprint(KillBlocker, ReportOnly, BlockingPolicy(7))
}
