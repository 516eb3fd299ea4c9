package iox

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

var errReason = errors.New("reason")

func TestGoWaitReturnsError(t *testing.T) {
	want := errors.New("boom")
	tk := Spawn(func(ctx context.Context) error { return want })
	if got := tk.Wait(); got != want {
		t.Fatalf("Wait() = %v, want %v", got, want)
	}
	if got := tk.Err(); got != want {
		t.Fatalf("Err() = %v, want %v", got, want)
	}
	select {
	case <-tk.Done():
	default:
		t.Fatal("Done() not closed after Wait returned")
	}
}

func TestErrBeforeEndIsNil(t *testing.T) {
	release := make(chan struct{})
	tk := Spawn(func(ctx context.Context) error { <-release; return errReason })
	if err := tk.Err(); err != nil {
		t.Fatalf("Err() of a running task = %v, want nil", err)
	}
	close(release)
	tk.Wait()
}

func TestCurrent(t *testing.T) {
	if c := Current(); c != nil {
		t.Fatalf("Current() on the test goroutine = %v, want nil", c)
	}
	var got *Task
	tk := Spawn(func(ctx context.Context) error {
		got = Current()
		if ctx.Value(taskKey{}) != got {
			return errors.New("task context does not carry the task")
		}
		return nil
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	if got != tk {
		t.Fatalf("Current() inside the task = %v, want %v", got, tk)
	}
}

func TestNamesAndIDs(t *testing.T) {
	a := Spawn(func(ctx context.Context) error { return nil })
	b := Spawn(func(ctx context.Context) error { return nil }).SetName("fetch")
	JoinAll(time.Minute, a, b)
	if a.ID() == b.ID() || a.ID() == 0 {
		t.Fatalf("ids %d and %d are not distinct and positive", a.ID(), b.ID())
	}
	if got := a.Name(); !strings.Contains(got, "TestNamesAndIDs") {
		t.Fatalf("default Name() = %q, want the function's name", got)
	}
	if got := b.Name(); got != "fetch" {
		t.Fatalf("Name() = %q after SetName, want %q", got, "fetch")
	}
}

func TestKillInterruptsSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		deferred := false
		tk := Spawn(func(ctx context.Context) error {
			defer func() { deferred = true }()
			Sleep(time.Hour)
			return errors.New("Sleep returned in a killed task")
		})
		synctest.Wait()
		if k := blockedIn(tk); k != OpSleep {
			t.Fatalf("task blocked in %v, want %v", k, OpSleep)
		}
		start := time.Now()
		tk.Kill(errReason)
		err := tk.Wait()
		if !errors.Is(err, ErrKilled) || !errors.Is(err, errReason) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait() = %v, want ErrKilled wrapping the reason", err)
		}
		if d := time.Since(start); d != 0 {
			t.Fatalf("the kill took %v of the clock; the sleep was not interrupted", d)
		}
		if !deferred {
			t.Fatal("deferred call did not run when the kill unwound the task")
		}
	})
}

func TestKillCancelsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tk := Spawn(func(ctx context.Context) error {
			<-ctx.Done()
			return context.Cause(ctx)
		})
		synctest.Wait()
		tk.Kill(errReason)
		if err := tk.Wait(); !errors.Is(err, ErrKilled) || !errors.Is(err, errReason) {
			t.Fatalf("context cause = %v, want the kill error", err)
		}
	})
}

// Each kind of wait a task can be in ends at once on Kill.
func TestKillInterruptsEveryWait(t *testing.T) {
	coop := func() *Scheduler { return New(WithMode(Cooperative)) }
	free := func() *Scheduler { return New() }
	cases := []struct {
		name  string
		sched func() *Scheduler
		wait  func(t *testing.T) error
	}{
		{"Sleep", free, func(*testing.T) error { Sleep(time.Hour); return nil }},
		{"Sleep/cooperative", coop, func(*testing.T) error { Sleep(time.Hour); return nil }},
		{"Wait", free, func(*testing.T) error {
			never := make(chan struct{})
			other := Default().Go(func(ctx context.Context) error { <-never; return nil })
			defer close(never)
			return other.Wait()
		}},
		{"JoinAll", free, func(*testing.T) error {
			never := make(chan struct{})
			other := Default().Go(func(ctx context.Context) error { <-never; return nil })
			defer close(never)
			JoinAll(time.Hour, other)
			return nil
		}},
		{"timer channel", free, func(*testing.T) error {
			tm := NewTimer(time.Hour)
			<-tm.C
			NewTimer(time.Hour) // the next clock call is where the kill lands
			return nil
		}},
		{"After", free, func(*testing.T) error {
			<-After(time.Hour)
			Sleep(time.Hour)
			return nil
		}},
		{"ticker channel", free, func(*testing.T) error {
			tk := NewTicker(time.Hour)
			defer tk.Stop()
			<-tk.C
			tk.Reset(time.Hour)
			return nil
		}},
		{"Block", free, func(*testing.T) error {
			return Block("nested", func() error { Sleep(time.Hour); return nil })
		}},
		{"Yield queue/cooperative", coop, func(*testing.T) error {
			for {
				Yield()
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := tc.sched()
				tk := s.Go(func(ctx context.Context) error { return tc.wait(t) })
				if s.Mode() == Cooperative {
					// A second task to take turns with.
					s.Go(func(ctx context.Context) error {
						for !tk.ended.Load() {
							Yield()
						}
						return nil
					})
				}
				if s.Mode() == Free {
					synctest.Wait()
				}
				start := time.Now()
				tk.Kill(errReason)
				err := tk.Wait()
				if !errors.Is(err, ErrKilled) {
					t.Fatalf("task ended with %v, want ErrKilled", err)
				}
				// A ticker cannot be reset to fire at once: the kill
				// makes it tick after tickerWake.
				if d := time.Since(start); d > tickerWake {
					t.Fatalf("the kill took %v of the clock", d)
				}
				s.Close()
			})
		})
	}
}

func TestKillBeforeStartDoesNotRun(t *testing.T) {
	s := New(WithMode(Cooperative))
	defer s.Close()
	var ran atomic.Bool
	var victim *Task
	holder := s.Go(func(ctx context.Context) error {
		// While this task holds the turn, the victim cannot start.
		victim = s.Go(func(ctx context.Context) error { ran.Store(true); return nil })
		victim.Kill(errReason)
		return nil
	})
	if err := holder.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := victim.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("victim ended with %v, want the kill", err)
	}
	if ran.Load() {
		t.Fatal("a task killed before it started ran its function")
	}
}

func TestKillFinishedTaskIsNoop(t *testing.T) {
	tk := Spawn(func(ctx context.Context) error { return nil })
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	tk.Kill(errReason)
	tk.Kill(nil)
	if err := tk.Err(); err != nil {
		t.Fatalf("Err() = %v after killing a finished task, want nil", err)
	}
}

func TestKillNilReason(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tk := Spawn(func(ctx context.Context) error { Sleep(time.Hour); return nil })
		synctest.Wait()
		tk.Kill(nil)
		err := tk.Wait()
		if !errors.Is(err, ErrKilled) || err.Error() != "iox: task killed" {
			t.Fatalf("Wait() = %q, want ErrKilled reading %q", err, "iox: task killed")
		}
	})
}

func TestFirstKillReasonWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		first, second := errors.New("first"), errors.New("second")
		tk := Spawn(func(ctx context.Context) error { Sleep(time.Hour); return nil })
		synctest.Wait()
		tk.Kill(first)
		tk.Kill(second)
		if err := tk.Wait(); !errors.Is(err, first) || errors.Is(err, second) {
			t.Fatalf("Wait() = %v, want the first reason only", err)
		}
	})
}

func TestKilledTaskThatSwallowsErrorsReportsKill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tk := Spawn(func(ctx context.Context) error {
			err := Block("call", func() error { <-ctx.Done(); return ctx.Err() })
			_ = err // legacy code that ignores errors
			return nil
		})
		synctest.Wait()
		tk.Kill(errReason)
		if err := tk.Wait(); !errors.Is(err, ErrKilled) {
			t.Fatalf("Wait() = %v, want ErrKilled for a killed task that returned nil", err)
		}
	})
}

func TestWaitOnItself(t *testing.T) {
	tk := Spawn(func(ctx context.Context) error {
		return Current().Wait()
	})
	err := tk.Wait()
	if err == nil || !strings.Contains(err.Error(), "itself") {
		t.Fatalf("Wait on itself = %v, want an error saying so", err)
	}
}

func TestPanicIsCaptured(t *testing.T) {
	tk := Spawn(func(ctx context.Context) error {
		panicHere()
		return nil
	})
	err := tk.Wait()
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Wait() = %v, want a *PanicError", err)
	}
	if pe.Value != "kaboom" {
		t.Fatalf("PanicError.Value = %v, want %q", pe.Value, "kaboom")
	}
	if !strings.Contains(string(pe.Stack), "panicHere") {
		t.Fatalf("PanicError.Stack does not show the panicking function:\n%s", pe.Stack)
	}
	if !strings.Contains(err.Error(), "kaboom") {
		t.Fatalf("Error() = %q, want the panic value in it", err.Error())
	}
}

func panicHere() { panic("kaboom") }

func TestPanicWithErrorUnwraps(t *testing.T) {
	tk := Spawn(func(ctx context.Context) error { panic(errReason) })
	if err := tk.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("Wait() = %v, want it to wrap the panicked error", err)
	}
}

func TestGoexitByUser(t *testing.T) {
	tk := Spawn(func(ctx context.Context) error { runtime.Goexit(); return nil })
	if err := tk.Wait(); err != errGoexit {
		t.Fatalf("Wait() = %v, want %v", err, errGoexit)
	}
}

func TestChildrenDieWithParent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var child, grandchild *Task
		ready := make(chan struct{})
		parent := Spawn(func(ctx context.Context) error {
			child = Spawn(func(ctx context.Context) error {
				grandchild = Spawn(func(ctx context.Context) error { Sleep(time.Hour); return nil })
				close(ready)
				Sleep(time.Hour)
				return nil
			})
			Sleep(time.Hour)
			return nil
		})
		<-ready
		synctest.Wait()
		parent.Kill(errReason)
		for _, tk := range []*Task{parent, child, grandchild} {
			if err := tk.Wait(); !errors.Is(err, errReason) {
				t.Fatalf("%v ended with %v, want the parent's kill", tk, err)
			}
		}
	})
}

func TestChildOutlivesParentThatReturns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var child *Task
		parent := Spawn(func(ctx context.Context) error {
			child = Spawn(func(ctx context.Context) error { Sleep(time.Second); return nil })
			return nil
		})
		parent.Wait()
		parent.Kill(errReason) // no-op: the parent has ended
		if err := child.Wait(); err != nil {
			t.Fatalf("child of a parent that returned ended with %v, want nil", err)
		}
	})
}

func TestJoinAllTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var tasks []*Task
		for i := range 6 {
			d := time.Duration(i) * time.Second // 0s..5s
			tasks = append(tasks, Spawn(func(ctx context.Context) error { Sleep(d); return nil }))
		}
		start := time.Now()
		done := JoinAll(2500*time.Millisecond, tasks...)
		if got := time.Since(start); got != 2500*time.Millisecond {
			t.Fatalf("JoinAll waited %v, want 2.5s", got)
		}
		if len(done) != 3 || done[0] != tasks[0] || done[1] != tasks[1] || done[2] != tasks[2] {
			t.Fatalf("JoinAll returned %v, want the first three tasks in order", done)
		}
		KillAll(errReason, tasks...)
		if got := JoinAll(time.Hour, tasks...); len(got) != len(tasks) {
			t.Fatalf("after KillAll, JoinAll returned %d tasks, want %d", len(got), len(tasks))
		}
		if time.Since(start) != 2500*time.Millisecond {
			t.Fatal("waiting for killed tasks took clock time")
		}
	})
}

func TestJoinAllZeroTimeoutDoesNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := Spawn(func(ctx context.Context) error { Sleep(time.Hour); return nil })
		fast := Spawn(func(ctx context.Context) error { return nil })
		fast.Wait()
		for _, d := range []time.Duration{0, -time.Second} {
			start := time.Now()
			got := JoinAll(d, slow, fast)
			if time.Since(start) != 0 || len(got) != 1 || got[0] != fast {
				t.Fatalf("JoinAll(%v) = %v after %v, want [fast] at once", d, got, time.Since(start))
			}
		}
		slow.Kill(nil)
		slow.Wait()
	})
}

func TestJoinAllSkipsItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []*Task
		self := Spawn(func(ctx context.Context) error {
			got = JoinAll(time.Second, Current())
			return nil
		})
		self.Wait()
		if len(got) != 0 {
			t.Fatalf("JoinAll of itself = %v, want none ended", got)
		}
	})
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func()
		want string
	}{
		{"Go(nil)", func() { New().Go(nil) }, "iox: Go called with a nil function"},
		{"Spawn(nil)", func() { Spawn(nil) }, "iox: Spawn called with a nil function"},
		{"Timeout(nil)", func() { Timeout(time.Second, nil) }, "iox: Timeout called with a nil function"},
		{"Block(nil)", func() { Block("x", nil) }, "iox: Block called with a nil function"},
		{"AfterFunc(nil)", func() { AfterFunc(time.Second, nil) }, "iox: AfterFunc called with a nil function"},
		{"JoinAll(nil)", func() { JoinAll(time.Second, nil) }, "iox: JoinAll: task 0 is nil"},
		{"KillAll(nil)", func() { KillAll(nil, nil) }, "iox: KillAll: task 0 is nil"},
		{"NewTicker(0)", func() { NewTicker(0) }, "non-positive interval for NewTicker"},
		{"NewTicker(-1)", func() { NewTicker(-1) }, "non-positive interval for NewTicker"},
		{"Ticker.Reset(0)", func() { tk := NewTicker(time.Hour); defer tk.Stop(); tk.Reset(0) }, "non-positive interval for Ticker.Reset"},
		{"zero Timer", func() { new(Timer).Stop() }, "iox: Stop called on uninitialized Timer"},
		{"WithMode(7)", func() { WithMode(7) }, "iox: WithMode(7): no such mode"},
		{"New(nil option)", func() { New(nil) }, "iox: New called with a nil Option"},
		{"WithDeadline(nil)", func() {
			var ctx context.Context // a nil context, as a mistake would pass it
			WithDeadline(ctx)
		}, "iox: WithDeadline(nil)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if fmt.Sprint(r) != tc.want {
					t.Fatalf("panic = %v, want %q", r, tc.want)
				}
			}()
			tc.call()
		})
	}
}

func TestUseAfterClose(t *testing.T) {
	s := New()
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := s.Close(); err != ErrClosed {
		t.Fatalf("second Close() = %v, want ErrClosed", err)
	}
	ran := false
	tk := s.Go(func(ctx context.Context) error { ran = true; return nil })
	if err := tk.Wait(); err != ErrClosed {
		t.Fatalf("task on a closed scheduler: Wait() = %v, want ErrClosed", err)
	}
	if ran {
		t.Fatal("a task started on a closed scheduler ran")
	}
	if err := Default().Close(); err == nil {
		t.Fatal("Default().Close() = nil, want an error")
	}
}

func TestCloseKillsAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(WithMode(Cooperative))
		var cleaned atomic.Int32
		var tasks []*Task
		for range 10 {
			tasks = append(tasks, s.Go(func(ctx context.Context) error {
				defer cleaned.Add(1)
				Sleep(time.Hour)
				return nil
			}))
		}
		synctest.Wait()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if n := cleaned.Load(); n != 10 {
			t.Fatalf("Close returned with %d of 10 tasks cleaned up", n)
		}
		for _, tk := range tasks {
			if err := tk.Err(); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrKilled) {
				t.Fatalf("task ended with %v, want a kill by ErrClosed", err)
			}
		}
	})
}

// A killed task whose deferred cleanup makes blocking calls unwinds through
// them without crashing.
func TestCleanupAfterKillUnwinds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var steps []string
		tk := Spawn(func(ctx context.Context) error {
			defer func() { steps = append(steps, "outer") }()
			defer func() {
				steps = append(steps, "inner")
				Sleep(time.Second) // unwinds again
				steps = append(steps, "unreachable")
			}()
			Sleep(time.Hour)
			return nil
		})
		synctest.Wait()
		tk.Kill(errReason)
		if err := tk.Wait(); !errors.Is(err, errReason) {
			t.Fatalf("Wait() = %v", err)
		}
		if got := strings.Join(steps, ","); got != "inner,outer" {
			t.Fatalf("deferred steps = %s, want inner,outer", got)
		}
	})
}

// No goroutine, table entry or scheduler state is left behind by many
// kill and timeout cycles.
func TestManyKillTimeoutCyclesLeaveNothing(t *testing.T) {
	base := inForce.Load()
	s := New(WithMode(Cooperative))
	const cycles = 10000
	for i := 0; i < cycles; i += 100 {
		var batch []*Task
		for j := 0; j < 100; j++ {
			switch j % 3 {
			case 0: // killed while sleeping
				batch = append(batch, s.Go(func(ctx context.Context) error { Sleep(time.Hour); return nil }))
			case 1: // a scope expires around a sleep
				batch = append(batch, s.Go(func(ctx context.Context) error {
					if err := Timeout(time.Microsecond, func() error { Sleep(time.Hour); return nil }); err != ErrTimeout {
						return fmt.Errorf("Timeout() = %v, want ErrTimeout", err)
					}
					Sleep(time.Hour)
					return nil
				}))
			case 2: // killed while a timer is pending
				batch = append(batch, s.Go(func(ctx context.Context) error { <-After(time.Hour); Sleep(time.Hour); return nil }))
			}
		}
		// Plain goroutines with scopes, too.
		errs := make(chan error, 10)
		for range 10 {
			go func() {
				errs <- Timeout(time.Microsecond, func() error { Sleep(time.Hour); return nil })
			}()
		}
		for range 10 {
			if err := <-errs; err != ErrTimeout {
				t.Fatalf("Timeout on a plain goroutine = %v, want ErrTimeout", err)
			}
		}
		KillAll(errReason, batch...)
		for _, tk := range batch {
			if err := tk.Wait(); !errors.Is(err, ErrKilled) {
				t.Fatalf("task ended with %v, want a kill", err)
			}
		}
	}
	s.Close()
	if n := registered(); n != 0 {
		t.Fatalf("%d goroutines still registered", n)
	}
	if got := inForce.Load(); got != base {
		t.Fatalf("inForce = %d, want %d", got, base)
	}
	n := s.ntasks.Load()
	if n != 0 {
		t.Fatalf("scheduler still counts %d tasks", n)
	}
}
