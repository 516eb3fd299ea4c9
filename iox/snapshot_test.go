package iox

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// sortStates puts a table in the order a plain sort of the TaskStates
// by (For descending, ID ascending) gives, ties and all.
func TestSortStates(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 10, 100, 1000} {
		tasks := make([]TaskState, n)
		for i := range tasks {
			tasks[i] = TaskState{ID: uint64(r.IntN(n + 1)), For: time.Duration(r.IntN(4)), Name: string(rune('a' + i%26))}
		}
		want := slices.Clone(tasks)
		slices.SortStableFunc(want, func(a, b TaskState) int {
			return cmp.Or(cmp.Compare(b.For, a.For), cmp.Compare(a.ID, b.ID))
		})
		keys := make([]snapKey, n)
		for i, ts := range tasks {
			keys[i] = snapKey{blocked: ts.For, id: ts.ID, at: int32(i)}
		}
		sortStates(tasks, keys)
		for i := range tasks {
			if tasks[i].For != want[i].For || tasks[i].ID != want[i].ID {
				t.Fatalf("n=%d: at %d, For %v ID %d; want For %v ID %d", n, i, tasks[i].For, tasks[i].ID, want[i].For, want[i].ID)
			}
		}
		// Every row is there once: the names moved with their rows.
		count := map[string]int{}
		for i := range tasks {
			count[tasks[i].Name]++
			count[want[i].Name]--
		}
		for name, c := range count {
			if c != 0 {
				t.Fatalf("n=%d: row %q appears %+d times more than it should", n, name, c)
			}
		}
	}
}

// Snapshot's rows are in its order, and say what Name and Spawned say.
func TestSnapshotRows(t *testing.T) {
	s := New()
	never := make(chan int)
	defer func() {
		close(never)
		s.Close()
	}()
	var tasks []*Task
	for i := range 50 {
		tk := s.Go(func(ctx context.Context) error {
			if i%3 == 0 {
				Recv(never)
			}
			<-never // running, as far as the scheduler knows
			return nil
		})
		if i%2 == 0 {
			tk.SetName("even")
		}
		tasks = append(tasks, tk)
	}
	for i, tk := range tasks {
		if i%3 == 0 {
			for st, _ := s.Snapshot().Task(tk.ID()); st.State != Blocked; st, _ = s.Snapshot().Task(tk.ID()) {
				Sleep(time.Millisecond)
			}
		}
	}
	snap := s.Snapshot()
	if len(snap.Tasks) != len(tasks) {
		t.Fatalf("%d rows, want %d", len(snap.Tasks), len(tasks))
	}
	if !slices.IsSortedFunc(snap.Tasks, func(a, b TaskState) int {
		return cmp.Or(cmp.Compare(b.For, a.For), cmp.Compare(a.ID, b.ID))
	}) {
		t.Errorf("rows not the longest blocked first, then by id:\n%v", snap)
	}
	for _, tk := range tasks {
		st, ok := snap.Task(tk.ID())
		if !ok || st.Name != tk.Name() || st.Spawned != tk.Spawned() || st.Spawned == "" {
			t.Errorf("row of %v: %+v; want the name %q and spawned %q", tk, st, tk.Name(), tk.Spawned())
		}
	}
}

// tenThousand starts 10,000 tasks blocked in Sleep, as examples/push's
// server and clients are blocked in their reads, and returns once they
// all are.
func tenThousand(b *testing.B) *Scheduler {
	s := New()
	for i := range 10_000 {
		s.Go(func(ctx context.Context) error {
			Sleep(time.Hour)
			return nil
		}).SetName([]string{"conn", "client"}[i%2])
	}
	for {
		n := 0
		for _, ts := range s.Snapshot().Tasks {
			if ts.State == Blocked {
				n++
			}
		}
		if n == 10_000 {
			return s
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkSnapshot measures a Snapshot of 10,000 tasks blocked in
// coop calls.
func BenchmarkSnapshot(b *testing.B) {
	s := tenThousand(b)
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		s.Snapshot()
	}
}

// BenchmarkParked measures Parked on 10,000 tasks blocked in coop calls
// (none parked outside coop: no goroutine dump is needed), and with one
// task more that waits in a raw channel receive (the dump of 10,000
// goroutines, to find it).
func BenchmarkParked(b *testing.B) {
	s := tenThousand(b)
	defer s.Close()
	b.Run("parked=none", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p := s.Parked(0); len(p) != 0 {
				b.Fatalf("%d tasks parked outside coop", len(p))
			}
		}
	})
	never := make(chan int)
	defer close(never)
	s.Go(func(ctx context.Context) error {
		<-never
		return nil
	})
	b.Run("parked=one", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for len(s.Parked(0)) != 1 {
			}
		}
	})
}
