package iox

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

type ctxKey struct{}

// A task spawned from a parent context keeps its values, is bounded by
// its deadline and killed by its cancellation, with the cause as reason.
func TestGoContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New()
		defer s.Close()
		parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), ctxKey{}, "span-7"))
		var seen any
		tk := s.GoContext(parent, func(ctx context.Context) error {
			seen = ctx.Value(ctxKey{})
			Sleep(time.Hour)
			return nil
		})
		synctest.Wait()
		cancel(errReason)
		if err := tk.Wait(); !errors.Is(err, ErrKilled) || !errors.Is(err, errReason) {
			t.Fatalf("task of a cancelled parent ended with %v, want a kill with the cause", err)
		}
		if seen != "span-7" {
			t.Fatalf("the task's context carried %v, want the parent's value", seen)
		}

		dl, cancelDL := context.WithTimeout(context.Background(), time.Second)
		defer cancelDL()
		start := time.Now()
		tk = SpawnContext(dl, func(ctx context.Context) error {
			if d, ok := ctx.Deadline(); !ok || !d.Equal(start.Add(time.Second)) {
				t.Errorf("the task's context deadline = %v, %v", d, ok)
			}
			Sleep(time.Hour)
			return nil
		})
		if err := tk.Wait(); err != ErrTimeout {
			t.Fatalf("task of a parent with a deadline ended with %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("ended after %v, want the parent's deadline, 1s", d)
		}
	})
}

// A scope built from a context expires at its deadline with ErrTimeout,
// and at its cancellation with an error matching context.Canceled and the
// cause.
func TestTimeoutContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		err := TimeoutContext(ctx, func() error { Sleep(time.Hour); return nil })
		if err != ErrTimeout || time.Since(start) != time.Second {
			t.Fatalf("TimeoutContext = %v after %v, want ErrTimeout after 1s", err, time.Since(start))
		}

		ctx2, cancel2 := context.WithCancelCause(context.Background())
		time.AfterFunc(time.Second, func() { cancel2(errReason) })
		q := NewQueue[int](0)
		err = TimeoutContext(ctx2, func() error {
			_, err := Block("call", func() error { q.Get(); return nil }), error(nil)
			return err
		})
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errReason) {
			t.Fatalf("TimeoutContext of a cancelled context = %v, want context.Canceled and the cause", err)
		}
		// An error-result call inside a cancelled scope gets that error.
		ctx3, cancel3 := context.WithCancel(context.Background())
		cancel3()
		err = TimeoutContext(ctx3, func() error { return Block("x", func() error { return nil }) })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("a call in a scope whose context was cancelled = %v", err)
		}
	})
}

// A call made by task A with task B's context is made for B: reported
// for it, refused and cut short by B's kill, not A's.
func TestCallForContextTaskIsCutByItsKill(t *testing.T) {
	s := New()
	defer s.Close()
	hold := make(chan struct{})
	b := s.Go(func(ctx context.Context) error { <-hold; return nil })
	errs := make(chan error, 1)
	a := s.Go(func(ctx context.Context) error {
		op, err := Begin(b.Context(), OpRoundTrip, "x")
		if err != nil {
			return err
		}
		ctx2, cancel := op.Context(context.Background())
		defer cancel()
		b.Kill(errReason)
		<-ctx2.Done()
		errs <- op.End(0, context.Cause(ctx2))
		return nil
	})
	if err := a.Wait(); err != nil {
		t.Fatalf("A ended with %v, want nil: B's kill is not A's", err)
	}
	if err := <-errs; !errors.Is(err, errReason) {
		t.Fatalf("the call for B ended with %v, want B's kill", err)
	}
	close(hold)
}

// Group's errgroup habits: with FailFast the first error kills the rest,
// and is Wait's error; with a Limit at most that many run.
func TestGroupFailFastAndLimit(t *testing.T) {
	gr := &Group{FailFast: true}
	first := errors.New("first")
	q := NewQueue[int](0)
	slow := gr.Go(func(ctx context.Context) error { q.Get(); return nil })
	gr.Go(func(ctx context.Context) error { return first })
	if err := gr.Wait(); err != first {
		t.Fatalf("FailFast group's Wait = %v, want the first error", err)
	}
	if err := slow.Err(); !errors.Is(err, ErrKilled) || !errors.Is(err, first) {
		t.Fatalf("the other task ended with %v, want a kill with the first error", err)
	}

	lim := &Group{Limit: 3}
	var running, most atomic.Int32
	release := make(chan struct{})
	starter := Spawn(func(ctx context.Context) error {
		for range 10 {
			lim.Go(func(ctx context.Context) error {
				n := running.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				<-release
				running.Add(-1)
				return nil
			})
		}
		return nil
	})
	for range 10 {
		release <- struct{}{}
	}
	starter.Wait()
	lim.Wait()
	if m := most.Load(); m > 3 || m < 1 {
		t.Fatalf("a group limited to 3 ran %d at once", m)
	}

	one := &Group{Limit: 1}
	hold := make(chan struct{})
	one.Go(func(ctx context.Context) error { <-hold; return nil })
	if _, ok := one.TryGo(func(ctx context.Context) error { return nil }); ok {
		t.Fatal("TryGo started a task in a full group")
	}
	close(hold)
	one.Wait()
	if _, ok := one.TryGo(func(ctx context.Context) error { return nil }); !ok {
		t.Fatal("TryGo did not start a task in an empty group")
	}
	one.Wait()
}

// A closed Queue gives what it holds, then the zero value at once; Next
// says which; Put after Close panics; All ends at the close.
func TestQueueClose(t *testing.T) {
	q := NewQueue[int](0)
	q.Put(1)
	q.Put(2)
	waiter := Spawn(func(ctx context.Context) error {
		var got []int
		for v := range q.All() {
			got = append(got, v)
		}
		if len(got) != 3 || got[2] != 3 {
			return errors.New("All did not give 1, 2, 3")
		}
		return nil
	})
	q.Put(3)
	q.Close()
	if err := waiter.Wait(); err != nil {
		t.Fatal(err)
	}
	if v, ok := q.Next(); v != 0 || ok {
		t.Fatalf("Next on a closed empty queue = %d, %v", v, ok)
	}
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("Put on a closed queue did not panic")
		}
	}()
	q.Put(4)
}

// Lookup finds a live task by id, and Snapshot says who started it.
func TestLookupAndParent(t *testing.T) {
	s := New()
	defer s.Close()
	child := make(chan *Task, 1)
	q := NewQueue[int](0)
	parent := s.Go(func(ctx context.Context) error {
		child <- s.Go(func(ctx context.Context) error { q.Get(); return nil })
		q.Get()
		return nil
	})
	c := <-child
	if got := s.Lookup(c.ID()); got != c {
		t.Fatalf("Lookup(%d) = %v, want the child", c.ID(), got)
	}
	st, _ := s.Snapshot().Task(c.ID())
	if st.Parent != parent.ID() || c.Parent() != parent {
		t.Fatalf("the child's parent is %d (%v), want %d", st.Parent, c.Parent(), parent.ID())
	}
	if st.Spawned == "" {
		t.Fatal("Snapshot does not say where the child was spawned")
	}
	s.Lookup(c.ID()).Kill(errReason) // an admin endpoint's kill by id
	if err := c.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("child ended with %v", err)
	}
	q.Put(0)
	parent.Wait()
	if s.Lookup(c.ID()) != nil {
		t.Fatal("Lookup found a task that ended")
	}
}
