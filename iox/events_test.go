package iox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) Observe(e Event) {
	l.mu.Lock()
	l.evs = append(l.evs, e)
	l.mu.Unlock()
}

func (l *eventLog) of(kind OpKind) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// Each kind of call iox makes ends as exactly one event, with the task,
// target, bytes and error of the call.
func TestEveryOpKindIsOneEvent(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		kind   OpKind
		target string
		bytes  int
		err    error
		call   func() error
	}{
		{OpBlock, "db.Query", 0, boom, func() error {
			return Block("db.Query", func() error { return boom })
		}},
		{OpSleep, "", 0, nil, func() error { Sleep(time.Millisecond); return nil }},
		{OpJoin, "other", 0, nil, func() error {
			hold := make(chan struct{})
			other := Spawn(func(ctx context.Context) error { <-hold; return nil }).SetName("other")
			go close(hold)
			return other.Wait()
		}},
		{OpRecv, "", 0, nil, func() error {
			ch := make(chan int, 1)
			ch <- 1
			Recv(ch)
			return nil
		}},
		{OpSend, "", 0, nil, func() error { Send(make(chan int, 1), 1); return nil }},
		{OpLock, "", 0, nil, func() error { var mu sync.Mutex; Lock(&mu); mu.Unlock(); return nil }},
		{OpAcquire, "pool", 0, nil, func() error {
			p := NewPool(1)
			p.Go(func(ctx context.Context) error { return nil })
			return p.Wait()
		}},
		{OpFlag, "", 0, nil, func() error { var f Flag; f.Set(); f.Wait(); return nil }},
		{OpRead, "", 5, nil, func() error {
			_, err := Reader(strings.NewReader("hello")).Read(make([]byte, 10))
			return err
		}},
		{OpWrite, "", 3, nil, func() error {
			_, err := Writer(io.Discard).Write([]byte("abc"))
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.kind.String(), func(t *testing.T) {
			log := &eventLog{}
			s := New(WithObserver(log))
			defer s.Close()
			tk := s.Go(func(ctx context.Context) error { return tc.call() })
			if err := tk.Wait(); err != tc.err {
				t.Fatalf("call returned %v, want %v", err, tc.err)
			}
			evs := log.of(tc.kind)
			if len(evs) != 1 {
				t.Fatalf("%d %v events, want 1: %+v", len(evs), tc.kind, evs)
			}
			e := evs[0]
			if e.Task != tk || e.Target != tc.target || e.Bytes != tc.bytes || e.Err != tc.err {
				t.Fatalf("event = {Task:%v Target:%q Bytes:%d Err:%v}, want {Task:%v Target:%q Bytes:%d Err:%v}",
					e.Task, e.Target, e.Bytes, e.Err, tk, tc.target, tc.bytes, tc.err)
			}
			if e.Start.IsZero() || e.Duration < 0 {
				t.Fatalf("event Start = %v, Duration = %v", e.Start, e.Duration)
			}
		})
	}
}

func TestKilledCallEventCarriesError(t *testing.T) {
	log := &eventLog{}
	s := New(WithObserver(log))
	defer s.Close()
	started := make(chan struct{})
	tk := s.Go(func(ctx context.Context) error {
		close(started)
		Sleep(time.Hour)
		return nil
	})
	<-started
	for st, _ := s.Snapshot().Task(tk.ID()); st.State != Blocked; st, _ = s.Snapshot().Task(tk.ID()) {
		Yield()
	}
	tk.Kill(errReason)
	tk.Wait()
	evs := log.of(OpSleep)
	if len(evs) != 1 || !errors.Is(evs[0].Err, ErrKilled) || evs[0].Task != tk {
		t.Fatalf("events = %+v, want one killed sleep", evs)
	}
}

// Observers see events from many goroutines at once (the race detector
// watches), and the stats count every call.
func TestObserversAndStatsUnderConcurrency(t *testing.T) {
	const workers, calls = 8, 500
	var seen atomic.Int64
	s := New(WithStats(), WithObserver(ObserverFunc(func(e Event) {
		if e.Kind == OpBlock {
			seen.Add(1)
		}
	})))
	defer s.Close()
	boom := errors.New("boom")
	var tasks []*Task
	for w := range workers {
		tasks = append(tasks, s.Go(func(ctx context.Context) error {
			target := fmt.Sprint("t", w%3)
			for i := range calls {
				Block(target, func() error {
					if i%10 == 0 {
						return boom
					}
					return nil
				})
			}
			return nil
		}))
	}
	JoinAll(time.Minute, tasks...)
	st := s.Stats()
	if got := seen.Load(); got != workers*calls {
		t.Fatalf("observer saw %d events, want %d", got, workers*calls)
	}
	k := st.Kind(OpBlock)
	if k.Count != workers*calls || k.Errors != workers*calls/10 || k.Latency.Count() != k.Count {
		t.Fatalf("stats: %d calls, %d errors, %d in the histogram; want %d, %d, %d",
			k.Count, k.Errors, k.Latency.Count(), workers*calls, workers*calls/10, workers*calls)
	}
	var perTarget int64
	for name, ts := range st.Targets() {
		if !strings.HasPrefix(name, "t") {
			t.Fatalf("unexpected target %q", name)
		}
		perTarget += ts.Count
	}
	if perTarget != workers*calls {
		t.Fatalf("targets count %d calls, want %d", perTarget, workers*calls)
	}
	if want := int64(3 * calls); st.Target("t0").Count != want {
		t.Fatalf("target t0: %d calls, want %d", st.Target("t0").Count, want)
	}
	if out := st.String(); !strings.Contains(out, "block") || !strings.Contains(out, "t0") {
		t.Fatalf("Stats.String() lacks the kind or the target:\n%s", out)
	}
}

func TestStatsCountGoroutinesThatAreNoTask(t *testing.T) {
	if Default().Stats() != nil {
		t.Fatal("Default collects stats before anyone asked")
	}
	stop := Default().CollectStats()
	st := Default().Stats()
	buf := make([]byte, 4)
	r := Reader(bytes.NewReader(make([]byte, 8)))
	r.Read(buf)
	r.Read(buf)
	if n := st.Kind(OpRead).Count; n != 2 {
		t.Fatalf("Default stats counted %d reads of a plain goroutine, want 2", n)
	}
	stop()
	stop() // undoing twice is undoing once
	if Default().Stats() != nil {
		t.Fatal("Default still collects stats after CollectStats was undone")
	}
	r.Read(buf)
	if n := st.Kind(OpRead).Count; n != 2 {
		t.Fatalf("a read after the stats were switched off was counted: %d", n)
	}
	if inForce.Load() != 0 {
		t.Fatalf("the door is not idle after the stats were switched off: inForce = %d", inForce.Load())
	}
}

func TestSnapshotShowsBlockedTask(t *testing.T) {
	s := New(WithName("snap"))
	defer s.Close()
	started := make(chan struct{})
	sleeper := s.Go(func(ctx context.Context) error {
		Block("warmup", func() error { return nil })
		close(started)
		Sleep(time.Hour)
		return nil
	}).SetName("sleeper")
	hold := make(chan struct{})
	defer func() {
		select {
		case <-hold:
		default:
			close(hold)
		}
	}()
	runner := s.Go(func(ctx context.Context) error { <-hold; return nil }).SetName("runner")
	<-started
	var first TaskState
	for {
		st, ok := s.Snapshot().Task(sleeper.ID())
		if ok && st.State == Blocked {
			first = st
			break
		}
		Yield()
	}
	if first.Op != OpSleep || first.Ops != 1 {
		t.Fatalf("sleeper = %+v, want blocked in sleep after 1 call", first)
	}
	var later TaskState
	for later.For <= first.For {
		later, _ = s.Snapshot().Task(sleeper.ID())
	}
	// Since is converted from the counter each time: equal to within the
	// conversion's precision.
	if d := later.Since.Sub(first.Since).Abs(); d > time.Microsecond {
		t.Fatalf("Since moved from %v to %v while the same call blocked", first.Since, later.Since)
	}
	snap := s.Snapshot()
	out := snap.String()
	if snap.Tasks[0].ID != sleeper.ID() {
		t.Fatalf("first line is task %d, want the blocked sleeper:\n%s", snap.Tasks[0].ID, out)
	}
	for _, want := range []string{`scheduler "snap"`, "sleeper", "blocked", "sleep", "runner", "running"} {
		if !strings.Contains(out, want) {
			t.Fatalf("Snapshot lacks %q:\n%s", want, out)
		}
	}
	t.Logf("\n%s", out)
	close(hold)
	runner.Wait()
	sleeper.Kill(nil)
	sleeper.Wait()
	if n := len(s.Snapshot().Tasks); n != 0 {
		t.Fatalf("Snapshot lists %d tasks after all ended", n)
	}
}

func TestSnapshotCooperativeStates(t *testing.T) {
	s := New(WithMode(Cooperative))
	defer s.Close()
	var snap Snapshot
	var a, b *Task
	s.Go(func(ctx context.Context) error {
		// Both queued while this task holds the turn.
		a = Spawn(func(ctx context.Context) error {
			snap = s.Snapshot() // a holds the turn; b waits for it
			return nil
		})
		b = Spawn(func(ctx context.Context) error { return nil })
		JoinAll(time.Minute, a, b)
		return nil
	}).Wait()
	sa, _ := snap.Task(a.ID())
	sb, _ := snap.Task(b.ID())
	if sa.State != Holding || sb.State != Runnable {
		t.Fatalf("states = %v, %v; want holding turn, runnable", sa.State, sb.State)
	}
}

func TestHistogramQuantile(t *testing.T) {
	h := Histogram{Buckets: []Bucket{{time.Microsecond, 90}, {time.Millisecond, 9}, {time.Second, 1}}}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, time.Microsecond}, {0.9, time.Microsecond}, {0.95, time.Millisecond}, {0.999, time.Second}, {1, time.Second}} {
		if got := h.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if (Histogram{}).Quantile(0.5) != 0 {
		t.Error("Quantile of an empty histogram is not 0")
	}
}
