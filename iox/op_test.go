package iox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"testing/synctest"
	"time"
)

// pipeRead is a blocking call through the door with an interrupter, as
// netx's conns make theirs: the scope's deadline becomes the file's read
// deadline, a kill moves it into the past, and the user's deadline is kept.
type pipeRead struct {
	r        *os.File
	userDL   time.Time
	interrup int
}

func (p *pipeRead) Interrupt(*Op) {
	p.interrup++
	p.r.SetReadDeadline(time.Unix(1, 0))
}

func (p *pipeRead) Read(b []byte) (int, error) {
	op, err := Begin(context.Background(), OpRead, "pipe")
	if err != nil {
		return 0, err
	}
	dl := op.Deadline(p.userDL)
	p.r.SetReadDeadline(dl)
	op.OnInterrupt(p)
	n, err := p.r.Read(b)
	if op.Interrupted() || !dl.Equal(p.userDL) {
		p.r.SetReadDeadline(p.userDL)
	}
	return n, op.End(n, err)
}

func newPipe(t *testing.T) (*pipeRead, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return &pipeRead{r: r}, w
}

func TestDoorKillInterruptsRealCall(t *testing.T) {
	p, w := newPipe(t)
	started := make(chan struct{})
	var ev Event
	got := make(chan Event, 1)
	s := New(WithObserver(ObserverFunc(func(e Event) {
		if e.Kind == OpRead {
			got <- e
		}
	})))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		close(started)
		_, err := p.Read(make([]byte, 10))
		return err
	})
	<-started
	// The kill may land before, during or after Begin: each must end the
	// read with ErrKilled.
	tk.Kill(errReason)
	if err := tk.Wait(); !errors.Is(err, ErrKilled) || !errors.Is(err, errReason) {
		t.Fatalf("read ended with %v, want ErrKilled", err)
	}
	select {
	case ev = <-got:
		if !errors.Is(ev.Err, ErrKilled) || ev.Task != tk || ev.Target != "pipe" {
			t.Fatalf("event = %+v, want the killed read of task %v", ev, tk)
		}
	default:
		// The kill landed before Begin: no call was made, none reported.
	}
	// The deadline was restored: the pipe still reads.
	w.Write([]byte("hi"))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(p, buf); err != nil || string(buf) != "hi" {
		t.Fatalf("after the kill, Read = %q, %v; want the data", buf, err)
	}
}

func TestDoorKillWhileBlocked(t *testing.T) {
	p, w := newPipe(t)
	armed := make(chan struct{})
	testHookArmed = func(*Op) { close(armed) }
	defer func() { testHookArmed = nil }()
	s := New(WithObserver(ObserverFunc(func(e Event) {})))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		_, err := p.Read(make([]byte, 10))
		return err
	})
	<-armed // the read is in the door with its interrupter armed
	start := time.Now()
	tk.Kill(nil)
	err := tk.Wait()
	elapsed := time.Since(start)
	if !errors.Is(err, ErrKilled) {
		t.Fatalf("read ended with %v, want ErrKilled", err)
	}
	if p.interrup != 1 {
		t.Fatalf("interrupter ran %d times, want once", p.interrup)
	}
	t.Logf("kill to return: %v", elapsed)
	w.Write([]byte("ok"))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(p, buf); err != nil {
		t.Fatalf("pipe unusable after the kill: %v", err)
	}
}

func TestDoorScopeAndUserDeadline(t *testing.T) {
	p, _ := newPipe(t)
	// The scope is nearer: ErrTimeout.
	err := Timeout(10*time.Millisecond, func() error {
		_, err := p.Read(make([]byte, 1))
		return err
	})
	if err != ErrTimeout {
		t.Fatalf("read under a scope = %v, want ErrTimeout", err)
	}
	// The user's deadline is nearer: the standard error, untouched.
	p.userDL = time.Now().Add(10 * time.Millisecond)
	err = Timeout(time.Hour, func() error {
		_, err := p.Read(make([]byte, 1))
		return err
	})
	if err == ErrTimeout || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the user's deadline = %v, want os.ErrDeadlineExceeded itself", err)
	}
}

func TestDoorIdleIsNil(t *testing.T) {
	if inForce.Load() != 0 {
		t.Skip("another test left something in force")
	}
	op, err := Begin(context.Background(), OpRead, "x")
	if op != nil || err != nil {
		t.Fatalf("Begin with nothing in force = %v, %v; want nil, nil", op, err)
	}
	if got := op.End(3, io.EOF); got != io.EOF {
		t.Fatalf("nil op End = %v, want the error unchanged", got)
	}
	if n := testing.AllocsPerRun(100, func() {
		op, _ := Begin(context.Background(), OpRead, "x")
		op.End(1, nil)
	}); n != 0 {
		t.Fatalf("idle door allocates %v times per call", n)
	}
}

func TestDoorInTaskDoesNotAllocate(t *testing.T) {
	tk := Spawn(func(ctx context.Context) error {
		if n := testing.AllocsPerRun(100, func() {
			op, _ := Begin(context.Background(), OpRead, "x")
			op.End(1, nil)
		}); n != 0 {
			return errors.New("door in a task allocates")
		}
		return Timeout(time.Hour, func() error {
			if n := testing.AllocsPerRun(100, func() {
				op, _ := Begin(context.Background(), OpRead, "x")
				op.End(1, nil)
			}); n != 0 {
				return errors.New("door in a scope allocates")
			}
			return nil
		})
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestContextCarriesTaskToOtherGoroutines(t *testing.T) {
	got := make(chan Event, 1)
	s := New(WithObserver(ObserverFunc(func(e Event) {
		if e.Kind == OpDial {
			got <- e
		}
	})))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		errc := make(chan error)
		go func() { // as net/http dials: another goroutine, the request's values
			op, err := Begin(context.WithoutCancel(ctx), OpDial, "example:80")
			if err != nil {
				errc <- err
				return
			}
			errc <- op.End(0, nil)
		}()
		return <-errc
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	if e := <-got; e.Task != tk || e.Target != "example:80" {
		t.Fatalf("event = %+v, want the dial reported for %v", e, tk)
	}
}

func TestContextOfKilledTaskRefusesCall(t *testing.T) {
	ready := make(chan context.Context)
	release := make(chan struct{})
	tk := Spawn(func(ctx context.Context) error {
		ready <- ctx
		<-release
		return nil
	})
	ctx := <-ready
	tk.Kill(errReason)
	errc := make(chan error)
	go func() {
		_, err := Begin(ctx, OpDial, "x")
		errc <- err
	}()
	if err := <-errc; !errors.Is(err, ErrKilled) {
		t.Fatalf("Begin with a killed task's context = %v, want ErrKilled", err)
	}
	close(release)
	tk.Wait()
}

func TestOpContextEndsOnKill(t *testing.T) {
	tk := Spawn(func(ctx context.Context) error {
		op, err := Begin(context.Background(), OpBlock, "ctx call")
		if err != nil {
			return err
		}
		cctx, cancel := op.Context(context.Background())
		defer cancel()
		Current().Kill(errReason)
		<-cctx.Done() // what a context-aware real call does
		return op.End(0, cctx.Err())
	})
	if err := tk.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("call ended with %v, want the kill", err)
	}
}

func TestOpWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		evs := make(chan Event, 4)
		s := New(WithObserver(ObserverFunc(func(e Event) { evs <- e })))
		defer s.Close()
		wait := func(ctx context.Context, d time.Duration) error {
			op, err := Begin(ctx, OpSleep, "host")
			if err != nil {
				return err
			}
			op.SetDetail("attempt 2")
			return op.End(0, op.Wait(ctx, d))
		}
		// Runs its course.
		tk := s.Go(func(ctx context.Context) error { return wait(ctx, time.Second) })
		start := time.Now()
		if err := tk.Wait(); err != nil || time.Since(start) != time.Second {
			t.Fatalf("Wait(1s) = %v after %v", err, time.Since(start))
		}
		if e := <-evs; e.Kind != OpSleep || e.Detail != "attempt 2" || e.Target != "host" {
			t.Fatalf("event = %+v", e)
		}
		// A kill ends it with the kill.
		tk = s.Go(func(ctx context.Context) error { return wait(ctx, time.Hour) })
		synctest.Wait()
		tk.Kill(errReason)
		if err := tk.Wait(); !errors.Is(err, errReason) {
			t.Fatalf("killed Wait = %v", err)
		}
		<-evs
		// A scope ends it with ErrTimeout.
		tk = s.Go(func(ctx context.Context) error {
			return Timeout(time.Second, func() error { return wait(ctx, time.Hour) })
		})
		if err := tk.Wait(); err != ErrTimeout {
			t.Fatalf("Wait under a scope = %v", err)
		}
		<-evs
		// The context's cause ends it, on a plain goroutine too.
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(errReason)
		if err := wait(ctx, time.Hour); err != errReason {
			t.Fatalf("Wait with a cancelled context = %v", err)
		}
		var nilOp *Op
		if err := nilOp.Wait(context.Background(), time.Second); err != nil {
			t.Fatalf("nil Op Wait = %v", err)
		}
	})
}

// A call made with another task's context is reported for that task, and
// refused once that task is killed.
func TestContextTaskWins(t *testing.T) {
	got := make(chan Event, 4)
	s := New(WithObserver(ObserverFunc(func(e Event) {
		if e.Kind == OpDial {
			got <- e
		}
	})))
	defer s.Close()
	hold := make(chan struct{})
	owner := s.Go(func(ctx context.Context) error { <-hold; return nil })
	caller := s.Go(func(ctx context.Context) error {
		op, err := Begin(owner.Context(), OpDial, "x")
		if err != nil {
			return err
		}
		op.End(0, nil)
		owner.Kill(errReason)
		if _, err := Begin(owner.Context(), OpDial, "x"); !errors.Is(err, errReason) {
			return fmt.Errorf("Begin with a killed task's context = %v, want its kill", err)
		}
		return nil
	})
	if err := caller.Wait(); err != nil {
		t.Fatal(err)
	}
	close(hold)
	owner.Wait()
	if e := <-got; e.Task != owner {
		t.Fatalf("call reported for %v, want the task of its context, %v", e.Task, owner)
	}
}

// A binding's context ends with the kill of the call's task, and with the
// scope of each call bound to it, at the scope's deadline; a call bound
// outside any scope leaves it alone.
func TestBinding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var b *Binding
		err := Timeout(time.Second, func() error {
			op, err := Begin(context.Background(), OpRoundTrip, "x")
			if err != nil {
				return err
			}
			defer op.End(0, nil)
			b = op.Bind(context.Background())
			b.Bound(op)
			<-b.Context().Done() // what a real call cut short by its context does
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("bound context ended after %v, want at the scope's deadline, 1s", d)
		}
		if cause := b.Cause(); cause != ErrTimeout {
			t.Fatalf("Cause() = %v, want ErrTimeout", cause)
		}
		if err := b.Err(context.Canceled); err != ErrTimeout {
			t.Fatalf("Err(context.Canceled) = %v, want the scope's ErrTimeout", err)
		}
		b.Release()

		err = Timeout(time.Second, func() error {
			op, _ := Begin(context.Background(), OpRoundTrip, "x")
			defer op.End(0, nil)
			b = op.Bind(context.Background())
			stop := b.Bound(op)
			if !stop() {
				t.Error("stop before the deadline reported it had fired")
			}
			return nil
		})
		time.Sleep(2 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if b.Context().Err() != nil {
			t.Fatalf("a binding stopped before the deadline ended with %v", context.Cause(b.Context()))
		}
		b.Release()

		// A kill of the call's task ends it with the kill.
		s := New()
		defer s.Close()
		bound := make(chan *Binding)
		tk := s.Go(func(ctx context.Context) error {
			op, _ := Begin(context.Background(), OpRoundTrip, "x")
			bound <- op.Bind(context.Background())
			return op.End(0, nil)
		})
		b = <-bound
		tk.Wait()
		tk.Kill(errReason) // ended: a no-op, the binding lives on
		if b.Context().Err() != nil {
			t.Fatal("a binding ended when its task did")
		}
		b.Release()
		var nilB *Binding
		if nilB.Err(errReason) != errReason || nilB.Cause() != nil {
			t.Fatal("a nil binding changed an error")
		}
	})
}
