package iox

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

func TestSleepDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, d := range []time.Duration{time.Millisecond, time.Second, time.Hour} {
			start := time.Now()
			Sleep(d) // plain goroutine
			if got := time.Since(start); got != d {
				t.Fatalf("Sleep(%v) outside a task took %v", d, got)
			}
			tk := Spawn(func(ctx context.Context) error {
				start := Now()
				Sleep(d)
				if got := Since(start); got != d {
					return fmt.Errorf("Sleep(%v) in a task took %v", d, got)
				}
				return nil
			})
			if err := tk.Wait(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestSleepZeroAndNegative(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		Sleep(0)
		Sleep(-time.Second)
		tk := Spawn(func(ctx context.Context) error { Sleep(0); Sleep(-1); return nil })
		if err := tk.Wait(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Fatalf("zero and negative sleeps took %v", d)
		}
	})
}

func TestSleepZeroYieldsInCooperative(t *testing.T) {
	s := New(WithMode(Cooperative))
	defer s.Close()
	var order []string
	// Spawned by a task that holds the turn, so that b is waiting when a
	// yields.
	s.Go(func(ctx context.Context) error {
		a := Spawn(func(ctx context.Context) error {
			order = append(order, "a1")
			Sleep(0)
			order = append(order, "a2")
			return nil
		})
		b := Spawn(func(ctx context.Context) error { order = append(order, "b"); return nil })
		JoinAll(time.Minute, a, b)
		return nil
	}).Wait()
	if got := fmt.Sprint(order); got != "[a1 b a2]" {
		t.Fatalf("order = %s, want Sleep(0) to yield like gevent.sleep(0)", got)
	}
}

func TestTimers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		tm := NewTimer(time.Second)
		if at := <-tm.C; at.Sub(start) != time.Second {
			t.Fatalf("timer fired at +%v, want +1s", at.Sub(start))
		}
		if tm.Stop() {
			t.Fatal("Stop of a fired timer = true")
		}
		if !tm.Reset(2*time.Second) == true {
			// Reset of an expired timer reports false; nothing to check.
		}
		<-tm.C
		if d := time.Since(start); d != 3*time.Second {
			t.Fatalf("reset timer fired at +%v, want +3s", d)
		}

		stopped := NewTimer(time.Second)
		if !stopped.Stop() {
			t.Fatal("Stop of a pending timer = false")
		}
		select {
		case <-stopped.C:
			t.Fatal("a stopped timer fired")
		case <-time.After(2 * time.Second):
		}

		now := NewTimer(0)
		<-now.C
		neg := NewTimer(-time.Second)
		<-neg.C

		<-After(time.Minute)
		if d := time.Since(start); d != 3*time.Second+2*time.Second+time.Minute {
			t.Fatalf("After fired at +%v", d)
		}
	})
}

func TestAfterFuncRunsAsTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got := make(chan *Task, 1)
		start := time.Now()
		AfterFunc(time.Second, func() { got <- Current() })
		if tk := <-got; tk == nil {
			t.Fatal("AfterFunc's function does not run as a task")
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("AfterFunc ran after %v, want 1s", d)
		}
		ran := false
		tm := AfterFunc(time.Second, func() { ran = true })
		if !tm.Stop() {
			t.Fatal("Stop of a pending AfterFunc = false")
		}
		time.Sleep(2 * time.Second)
		if ran || tm.C != nil {
			t.Fatalf("stopped AfterFunc ran = %v, C = %v; want false, nil", ran, tm.C)
		}
	})
}

func TestTickers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		tk := NewTicker(time.Second)
		for i := 1; i <= 3; i++ {
			if at := <-tk.C; at.Sub(start) != time.Duration(i)*time.Second {
				t.Fatalf("tick %d at +%v", i, at.Sub(start))
			}
		}
		tk.Reset(time.Minute)
		if at := <-tk.C; at.Sub(start) != 3*time.Second+time.Minute {
			t.Fatalf("tick after Reset at +%v", at.Sub(start))
		}
		tk.Stop()
		select {
		case <-tk.C:
			t.Fatal("a stopped ticker ticked")
		case <-time.After(time.Hour):
		}
		if Tick(0) != nil || Tick(-1) != nil {
			t.Fatal("Tick of a non-positive interval is not nil")
		}
		c := Tick(time.Second)
		<-c
	})
}

// Inside a scope, a timer fires no later than the scope's deadline and the
// next clock call unwinds to the scope.
func TestTimerBoundByScope(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		reached := false
		err := Timeout(time.Second, func() error {
			<-NewTimer(time.Hour).C
			reached = true
			Sleep(time.Millisecond)
			return errors.New("not unwound")
		})
		if err != ErrTimeout || !reached {
			t.Fatalf("Timeout() = %v (timer wait ended: %v), want ErrTimeout", err, reached)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("scope ended after %v, want 1s", d)
		}
	})
}

// Events are timed on the machine's clock (a synctest bubble's fake clock
// does not reach it), so this test sleeps for real, briefly.
func TestObserverSeesSleep(t *testing.T) {
	const d = 5 * time.Millisecond
	evs := make(chan Event, 10)
	s := New(WithObserver(ObserverFunc(func(e Event) { evs <- e })))
	tk := s.Go(func(ctx context.Context) error { Sleep(d); return nil })
	tk.Wait()
	e := <-evs
	if e.Kind != OpSleep || e.Task != tk || e.Duration < d || e.Err != nil {
		t.Fatalf("event = %+v, want a %v sleep of %v", e, d, tk)
	}
	if e.Start.After(time.Now().Add(-d)) {
		t.Fatalf("event Start = %v, want at least %v ago", e.Start, d)
	}
	s.Close()

	// Goroutines that are no task report to Default.
	base := inForce.Load()
	remove := Default().Observe(ObserverFunc(func(e Event) { evs <- e }))
	Sleep(d)
	remove()
	remove()
	e = <-evs
	if e.Kind != OpSleep || e.Task != nil || e.Duration < d {
		t.Fatalf("event = %+v, want a %v sleep of no task", e, d)
	}
	Sleep(time.Millisecond)
	select {
	case e := <-evs:
		t.Fatalf("event %+v after the observer was removed", e)
	default:
	}
	if n := inForce.Load(); n != base {
		t.Fatalf("inForce = %d after the Default observer was removed, want %d", n, base)
	}
}
