package iox

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// line returns the file:line of its caller.
func line() string {
	_, file, n, _ := runtime.Caller(1)
	return file + ":" + strconv.Itoa(n)
}

// Spawned names the line of the call that started the task, whichever
// way it was started.
func TestSpawnedNamesTheCall(t *testing.T) {
	s := New()
	defer s.Close()
	hold := NewQueue[int](0)
	defer hold.Close()
	wait := func(ctx context.Context) error { hold.Get(); return nil }
	gr := &Group{Scheduler: s}
	pool := NewPool(4)
	pool.Scheduler = s
	var cases []struct {
		name, want string
		t          *Task
	}
	add := func(name, want string, t *Task) {
		cases = append(cases, struct {
			name, want string
			t          *Task
		}{name, want, t})
	}
	tk, at := s.Go(wait), line()
	add("Go", at, tk)
	tk, at = s.GoContext(context.Background(), wait), line()
	add("GoContext", at, tk)
	tk, at = gr.Go(wait), line()
	add("Group.Go", at, tk)
	tk, at = pool.Go(wait), line()
	add("Pool.Go", at, tk)
	inner := make(chan [2]any, 1)
	outer := s.Go(func(ctx context.Context) error {
		tk, at := Spawn(wait), line()
		inner <- [2]any{tk, at}
		hold.Get()
		return nil
	})
	r := <-inner
	add("Spawn", r[1].(string), r[0].(*Task))
	for _, c := range cases {
		if got := c.t.Spawned(); got != c.want {
			t.Errorf("%s: Spawned() = %q, want %q", c.name, got, c.want)
		}
	}
	for range len(cases) + 1 {
		hold.Put(0)
	}
	outer.Wait()
	gr.Wait()
	pool.Wait()
}

// A task that never looks at its context makes none, and one that looks
// after it was killed or ended finds it cancelled with the first cause.
func TestLazyContextKeepsTheFirstCause(t *testing.T) {
	s := New()
	defer s.Close()
	started := make(chan struct{})
	look := make(chan struct{})
	tk := s.Go(func(ctx context.Context) error {
		close(started)
		<-look // a raw wait: the kill cannot reach it
		if err := context.Cause(ctx); !errors.Is(err, errReason) {
			t.Errorf("context.Cause(ctx) = %v, want the kill's reason", err)
		}
		if ctx.Err() != context.Canceled {
			t.Errorf("ctx.Err() = %v, want context.Canceled", ctx.Err())
		}
		return nil
	})
	<-started
	if tk.ctxv.made.Load() {
		t.Fatal("the task's context was made before anyone asked for it")
	}
	tk.Kill(errReason)
	tk.Kill(errors.New("second"))
	close(look)
	if err := tk.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("Wait() = %v, want the kill", err)
	}
	ended := s.Go(func(ctx context.Context) error { return nil })
	ended.Wait()
	if err := context.Cause(ended.Context()); err != context.Canceled {
		t.Fatalf("the context of a task that ended: cause %v, want context.Canceled", err)
	}
	if ended.Context().Value(taskKey{}) != ended {
		t.Fatal("the task's context does not carry the task")
	}
}

// In Cooperative mode a task waiting for its first turn has no goroutine
// yet: Snapshot shows it runnable, Stack has nothing, and it starts, in
// spawn order, as the turn reaches it.
func TestCooperativeStartsOnTheTurn(t *testing.T) {
	s := New(WithMode(Cooperative))
	defer s.Close()
	var order []int
	err := s.Go(func(ctx context.Context) error {
		var kids []*Task
		for i := range 3 {
			kids = append(kids, Spawn(func(ctx context.Context) error { order = append(order, i); return nil }))
		}
		for _, k := range kids {
			if k.g.id.Load() != 0 || k.Stack() != nil {
				t.Errorf("task %d has a goroutine before its first turn", k.ID())
			}
			if st, _ := s.Snapshot().Task(k.ID()); st.State != Runnable {
				t.Errorf("task %d is %v before its first turn, want runnable", k.ID(), st.State)
			}
		}
		for _, k := range kids {
			if err := k.Wait(); err != nil {
				return err
			}
		}
		return nil
	}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(order, []int{0, 1, 2}) {
		t.Fatalf("the children ran in the order %v, want [0 1 2]", order)
	}
}

// A task started with GoContext off any task, with a context that
// carries a task, is that task's child: its kill kills it.
func TestParentFromContext(t *testing.T) {
	s := New()
	defer s.Close()
	server := s.Go(func(ctx context.Context) error { new(Flag).Wait(); return nil })
	child := s.GoContext(server.Context(), func(ctx context.Context) error { new(Flag).Wait(); return nil })
	if child.Parent() != server {
		t.Fatalf("Parent() = %v, want the task the context carries", child.Parent())
	}
	server.Kill(errReason)
	if err := child.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("the child ended with %v, want its parent's kill", err)
	}
	server.Wait()
}
