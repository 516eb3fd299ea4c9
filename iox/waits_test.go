package iox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// waitCase is a blocking wait of some kind, set up so that it blocks until
// release is called.
type waitCase struct {
	name   string
	kind   OpKind
	bubble bool // durably blocking: runs in a synctest bubble
	setup  func(t *testing.T) (wait func(), release func())
}

func waitCases() []waitCase {
	return []waitCase{
		{"Recv", OpRecv, true, func(t *testing.T) (func(), func()) {
			ch := make(chan int)
			return func() { Recv(ch) }, func() { close(ch) }
		}},
		{"Send", OpSend, true, func(t *testing.T) (func(), func()) {
			ch := make(chan int, 1)
			ch <- 0 // full: Send blocks until release takes this value
			return func() { Send(ch, 1) }, func() { <-ch }
		}},
		{"Pool.Go when full", OpAcquire, true, func(t *testing.T) (func(), func()) {
			p := NewPool(1)
			hold := make(chan struct{})
			p.Go(func(ctx context.Context) error { <-hold; return nil })
			return func() { p.Go(func(ctx context.Context) error { return nil }) }, func() { close(hold) }
		}},
		{"Queue.Get", OpRecv, true, func(t *testing.T) (func(), func()) {
			var q Queue[int]
			return func() { q.Get() }, func() { q.Put(1) }
		}},
		{"Queue.Put when full", OpSend, true, func(t *testing.T) (func(), func()) {
			q := NewQueue[int](1)
			q.Put(0)
			return func() { q.Put(1) }, func() { q.Get() }
		}},
		{"Flag.Wait", OpFlag, true, func(t *testing.T) (func(), func()) {
			var f Flag
			return func() { f.Wait() }, f.Set
		}},
		{"Group.Wait", OpJoin, true, func(t *testing.T) (func(), func()) {
			var gr Group
			hold := make(chan struct{})
			gr.Go(func(ctx context.Context) error { <-hold; return nil })
			return func() {
				if err := gr.Wait(); err != nil {
					panic(err)
				}
			}, func() { close(hold) }
		}},
		{"Lock", OpLock, false, func(t *testing.T) (func(), func()) {
			var mu sync.Mutex
			mu.Lock()
			return func() { Lock(&mu); mu.Unlock() }, mu.Unlock
		}},
		{"Reader on a pipe", OpRead, false, func(t *testing.T) (func(), func()) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close(); w.Close() })
			rd := Reader(r)
			return func() {
					if _, err := rd.Read(make([]byte, 1)); err != nil {
						panic(err) // rethrown as the task's error by the harness
					}
				}, func() {
					w.Write([]byte("x"))
				}
		}},
		{"Writer on a full pipe", OpWrite, false, func(t *testing.T) (func(), func()) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close(); w.Close() })
			// Fill the pipe's buffer so that the next write blocks.
			w.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
			for {
				if _, err := w.Write(make([]byte, 4096)); err != nil {
					break
				}
			}
			w.SetWriteDeadline(time.Time{})
			wr := Writer(w)
			return func() {
					if _, err := wr.Write([]byte("x")); err != nil {
						panic(err)
					}
				}, func() {
					go io.Copy(io.Discard, r)
				}
		}},
	}
}

// run runs f in a synctest bubble or not.
func run(t *testing.T, bubble bool, f func(t *testing.T)) {
	if bubble {
		synctest.Test(t, f)
	} else {
		f(t)
	}
}

// errOf turns a panic carrying an error (as the pipe cases raise) into the
// task's error; it lets a scope's unwinding through.
func errOf(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				if _, scope := r.(scopePanic); !scope {
					err = e
					return
				}
			}
			panic(r)
		}
	}()
	f()
	return nil
}

func TestWaitsAreKillable(t *testing.T) {
	for _, wc := range waitCases() {
		t.Run(wc.name, func(t *testing.T) {
			run(t, wc.bubble, func(t *testing.T) {
				wait, release := wc.setup(t)
				s := New()
				defer s.Close()
				blocked := make(chan struct{})
				remove := s.Observe(ObserverFunc(func(e Event) {}))
				defer remove()
				tk := s.Go(func(ctx context.Context) error {
					close(blocked)
					return errOf(wait)
				})
				<-blocked
				waitBlocked(t, wc.bubble, tk, wc.kind)
				start := time.Now()
				tk.Kill(errReason)
				err := tk.Wait()
				if !errors.Is(err, ErrKilled) {
					t.Fatalf("%s ended with %v, want ErrKilled", wc.name, err)
				}
				if wc.bubble && time.Since(start) != 0 {
					t.Fatalf("the kill took %v of the clock", time.Since(start))
				}
				t.Logf("kill to return: %v", time.Since(start))
				release()
			})
		})
	}
}

func TestWaitsAreScopeBound(t *testing.T) {
	for _, wc := range waitCases() {
		t.Run(wc.name, func(t *testing.T) {
			run(t, wc.bubble, func(t *testing.T) {
				wait, release := wc.setup(t)
				defer release()
				start := time.Now()
				tk := Spawn(func(ctx context.Context) error {
					return Timeout(20*time.Millisecond, func() error { return errOf(wait) })
				})
				err := tk.Wait()
				if err != ErrTimeout && !errors.Is(err, ErrTimeout) {
					t.Fatalf("%s under a 20ms scope ended with %v, want ErrTimeout", wc.name, err)
				}
				if wc.bubble && time.Since(start) != 20*time.Millisecond {
					t.Fatalf("the scope ended the wait after %v, want 20ms", time.Since(start))
				}
			})
		})
	}
}

func TestWaitsReleaseTheTurn(t *testing.T) {
	for _, wc := range waitCases() {
		t.Run(wc.name, func(t *testing.T) {
			run(t, wc.bubble, func(t *testing.T) {
				wait, release := wc.setup(t)
				s := New(WithMode(Cooperative))
				defer s.Close()
				var log []string
				waiter := s.Go(func(ctx context.Context) error {
					log = append(log, "waiter blocks")
					err := errOf(wait)
					log = append(log, "waiter resumes")
					return err
				})
				other := s.Go(func(ctx context.Context) error {
					log = append(log, "other runs")
					release()
					return nil
				})
				if err := errors.Join(waiter.Wait(), other.Wait()); err != nil {
					t.Fatal(err)
				}
				if got := strings.Join(log, ", "); got != "waiter blocks, other runs, waiter resumes" {
					t.Fatalf("order: %s; want the other task to run while the waiter waits", got)
				}
			})
		})
	}
}

// waitBlocked waits until tk is in a blocking call of the given kind:
// synctest.Wait in a bubble, else the scheduler's own Snapshot.
func waitBlocked(t *testing.T, bubble bool, tk *Task, kind OpKind) {
	t.Helper()
	if bubble {
		synctest.Wait()
		if got := blockedIn(tk); got != kind {
			t.Fatalf("task blocked in %v, want %v", got, kind)
		}
		return
	}
	for {
		if st, ok := tk.s.Snapshot().Task(tk.id); ok && st.State == Blocked && st.Op == kind {
			return
		}
		Yield() // a plain goroutine: runtime.Gosched
	}
}

func TestPoolNeverExceedsSize(t *testing.T) {
	const size, spawns = 7, 1000
	p := NewPool(size)
	var running, peak atomic.Int32
	spawner := Spawn(func(ctx context.Context) error {
		for i := range spawns {
			p.Go(func(ctx context.Context) error {
				n := running.Add(1)
				for {
					old := peak.Load()
					if n <= old || peak.CompareAndSwap(old, n) {
						break
					}
				}
				if i%3 == 0 {
					Yield()
				}
				running.Add(-1)
				return nil
			})
		}
		return p.Wait()
	})
	if err := spawner.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := peak.Load(); got > size || got < 1 {
		t.Fatalf("peak of %d tasks running at once, want 1..%d", got, size)
	}
	if p.Len() != 0 || p.Free() != size {
		t.Fatalf("after Wait: Len() = %d, Free() = %d; want 0, %d", p.Len(), p.Free(), size)
	}
	t.Logf("peak concurrency %d of %d", peak.Load(), size)
}

func TestPoolBadSize(t *testing.T) {
	defer func() {
		if r := recover(); r != "iox: NewPool(0): size must be at least 1" {
			t.Fatalf("NewPool(0) panicked with %v", r)
		}
	}()
	NewPool(0)
}

func TestGroupWaitReturnsFirstError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var gr Group
		first, second := errors.New("first"), errors.New("second")
		gr.Go(func(ctx context.Context) error { Sleep(2 * time.Second); return second })
		gr.Go(func(ctx context.Context) error { Sleep(time.Second); return first })
		gr.Go(func(ctx context.Context) error { return nil })
		if err := gr.Wait(); err != first {
			t.Fatalf("Wait() = %v, want the first error to happen", err)
		}
		hold := make(chan struct{})
		gr.Go(func(ctx context.Context) error { <-hold; return nil })
		gr.Go(func(ctx context.Context) error { Sleep(time.Hour); return nil })
		synctest.Wait()
		if gr.Len() != 2 {
			t.Fatalf("Len() = %d, want 2", gr.Len())
		}
		gr.Kill(errReason)
		close(hold)
		gr.Wait()
		if gr.Len() != 0 {
			t.Fatalf("Len() = %d after Kill and Wait", gr.Len())
		}
	})
}

func TestQueueFIFO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue[int](3)
		go func() {
			for i := range 100 {
				q.Put(i)
			}
		}()
		for i := range 100 {
			if got := q.Get(); got != i {
				t.Fatalf("Get() = %d, want %d", got, i)
			}
		}
		if v, ok := q.TryGet(); ok {
			t.Fatalf("TryGet() on an empty queue = %d, true", v)
		}
		if !q.TryPut(1) || !q.TryPut(2) || !q.TryPut(3) || q.TryPut(4) {
			t.Fatal("TryPut does not respect the size of 3")
		}
		if q.Len() != 3 {
			t.Fatalf("Len() = %d, want 3", q.Len())
		}
	})
}

// Producers and consumers are killed at random while they wait; every item
// a Put returned for is delivered exactly once or is still in the queue,
// and each consumer gets the items of one producer in the order they were
// put (FIFO: the order Gets return in across consumers is up to the
// scheduler, not the queue).
func TestQueueLosesNothingUnderKills(t *testing.T) {
	for _, mode := range []Mode{Free, Cooperative} {
		t.Run(mode.String(), func(t *testing.T) { queueUnderKills(t, mode) })
	}
}

func queueUnderKills(t *testing.T, mode Mode) {
	const workers, perProducer = 100, 200
	q := NewQueue[[2]int](16) // {producer, seq}
	s := New(WithMode(mode))
	defer s.Close()
	var (
		mu        sync.Mutex
		put       = map[[2]int]bool{}
		delivered = map[[2]int]int{}
		lastSeq   = map[[2]int]int{} // {consumer, producer} -> seq
		order     error
	)
	var producers, consumers []*Task
	for p := range workers {
		producers = append(producers, s.Go(func(ctx context.Context) error {
			for i := range perProducer {
				item := [2]int{p, i}
				q.Put(item)
				mu.Lock()
				put[item] = true
				mu.Unlock()
			}
			return nil
		}))
		consumers = append(consumers, s.Go(func(ctx context.Context) error {
			for {
				item := q.Get()
				mu.Lock()
				delivered[item]++
				key := [2]int{p, item[0]}
				if last, ok := lastSeq[key]; ok && item[1] <= last && order == nil {
					order = fmt.Errorf("consumer %d got item %d of producer %d after item %d", p, item[1], item[0], last)
				}
				lastSeq[key] = item[1]
				mu.Unlock()
			}
		}))
	}
	r := rand.New(rand.NewPCG(7, 7))
	all := append(append([]*Task{}, producers...), consumers...)
	for _, i := range r.Perm(len(all))[:len(all)/2] {
		all[i].Kill(errReason)
		runtime.Gosched()
	}
	JoinAll(10*time.Second, producers...)
	KillAll(errReason, consumers...)
	JoinAll(10*time.Second, consumers...)
	for {
		item, ok := q.TryGet()
		if !ok {
			break
		}
		delivered[item]++ // still in the queue
	}
	if order != nil {
		t.Fatal(order)
	}
	for item := range put {
		if n := delivered[item]; n != 1 {
			t.Fatalf("item %v was put and came out %d times", item, n)
		}
	}
	for item, n := range delivered {
		if !put[item] {
			t.Fatalf("item %v came out %d times but its Put did not return", item, n)
		}
	}
	t.Logf("%d items put and accounted for", len(put))
}

func TestFlag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f Flag
		if f.IsSet() {
			t.Fatal("zero Flag is set")
		}
		var woke atomic.Int32
		for range 5 {
			go func() { f.Wait(); woke.Add(1) }()
		}
		synctest.Wait()
		if woke.Load() != 0 {
			t.Fatal("waiters woke before Set")
		}
		f.Set()
		f.Set()
		synctest.Wait()
		if woke.Load() != 5 || !f.IsSet() {
			t.Fatalf("%d of 5 waiters woke after Set", woke.Load())
		}
		f.Wait() // set: returns at once
		f.Clear()
		done := make(chan struct{})
		go func() { f.Wait(); close(done) }()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Wait returned after Clear")
		default:
		}
		f.Set()
		<-done
	})
}

func TestLockTakesFreeLockAtOnce(t *testing.T) {
	var mu sync.Mutex
	Lock(&mu)
	if mu.TryLock() {
		t.Fatal("Lock did not take the lock")
	}
	mu.Unlock()
	// A Locker without TryLock.
	var rw sync.RWMutex
	Lock(rw.RLocker())
	rw.RUnlock()
}

// An abandoned Lock leaves the lock to whoever asks next.
func TestAbandonedLockIsNotLeaked(t *testing.T) {
	var mu sync.Mutex
	mu.Lock()
	err := Timeout(5*time.Millisecond, func() error { Lock(&mu); return nil })
	if err != ErrTimeout {
		t.Fatalf("Lock under a scope = %v, want ErrTimeout", err)
	}
	mu.Unlock() // the abandoned helper gets it and gives it back
	// Lock through coop again: were the lock leaked, this would wait
	// forever (and the test time out).
	if err := Timeout(time.Minute, func() error { Lock(&mu); return nil }); err != nil {
		t.Fatalf("Lock after the abandoned one = %v", err)
	}
	mu.Unlock()
}

func TestCopyCountsExactlyWhenCut(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	go func() {
		w.Write(make([]byte, 100000))
	}()
	var got strings.Builder
	var n int64
	// The scope must end after the 100,000 bytes have gone through the
	// pipe: with 20 ms, a loaded machine sometimes had not moved them all
	// yet. Half a second takes a stall of that long to fail.
	err = Timeout(500*time.Millisecond, func() error {
		var err error
		n, err = Copy(&got, r) // the writer stops after 100,000 bytes: the scope cuts the copy
		return err
	})
	if err != ErrTimeout {
		t.Fatalf("Copy under a scope = %v, want ErrTimeout", err)
	}
	if n != 100000 || int64(got.Len()) != n {
		t.Fatalf("Copy reported %d bytes and wrote %d, want 100000 both", n, got.Len())
	}
}
