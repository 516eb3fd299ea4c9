package iox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coop-go/coop/iox"
)

// Examples for the names a reader of the package documentation reaches
// for: keep them in sync with doc.go.

func ExampleGroup() {
	var g iox.Group
	for _, name := range []string{"a", "b", "c"} {
		g.Go(func(ctx context.Context) error {
			if name == "b" {
				return errors.New("b failed")
			}
			return nil
		})
	}
	fmt.Println("first error:", g.Wait())

	// Kill ends every task still running; Wait then returns the kill.
	var sleepers iox.Group
	started := make(chan struct{}, 2)
	for range 2 {
		sleepers.Go(func(ctx context.Context) error {
			started <- struct{}{}
			iox.Sleep(time.Hour)
			return nil
		})
	}
	<-started
	<-started
	sleepers.Kill(errors.New("shutting down"))
	fmt.Println("after Kill:", sleepers.Wait())
	// Output:
	// first error: b failed
	// after Kill: iox: task killed: shutting down
}

// WithDeadline hands a timeout scope, or a kill, to code that only knows
// contexts.
func ExampleWithDeadline() {
	// wait stands for context-aware code: a database driver, an RPC.
	wait := func(ctx context.Context) error {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(time.Hour):
			return nil
		}
	}
	err := iox.Timeout(10*time.Millisecond, func() error {
		ctx, cancel := iox.WithDeadline(context.Background())
		defer cancel()
		return wait(ctx)
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, iox.ErrTimeout))
	// Output:
	// iox: timeout
	// true
}

func ExampleScheduler_Observe() {
	s := iox.New()
	defer s.Close()
	var mu sync.Mutex
	var seen []string
	remove := s.Observe(iox.ObserverFunc(func(e iox.Event) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, fmt.Sprintf("%v %s err=%v", e.Kind, e.Target, e.Err))
	}))
	defer remove()
	s.Go(func(ctx context.Context) error {
		iox.Sleep(time.Millisecond)
		iox.Block("db.Query", func() error { return errors.New("no rows") })
		_, err := iox.Copy(&bytes.Buffer{}, strings.NewReader("hello"))
		return err
	}).Wait()
	mu.Lock()
	defer mu.Unlock()
	for _, e := range seen {
		fmt.Println(e)
	}
	// Output:
	// sleep  err=<nil>
	// block db.Query err=no rows
	// write  err=<nil>
}

// A read from a pipe that stalls, under a timeout scope: the pipe has
// SetReadDeadline, so the scope cuts the Read short and what was read is
// kept.
func ExampleReader() {
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	defer r.Close()
	defer w.Close()
	w.WriteString("hello, ") // and then nothing more

	var got []byte
	err = iox.Timeout(200*time.Millisecond, func() error {
		buf := make([]byte, 64)
		rd := iox.Reader(r)
		for {
			n, err := rd.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				return err
			}
		}
	})
	fmt.Printf("read %q, then %v\n", got, err)
	// Output: read "hello, ", then iox: timeout
}

func ExampleWriter() {
	s := iox.New(iox.WithStats())
	defer s.Close()
	var out bytes.Buffer
	s.Go(func(ctx context.Context) error {
		w := iox.Writer(&out)
		fmt.Fprint(w, "one ")
		fmt.Fprint(w, "two")
		return nil
	}).Wait()
	st := s.Stats().Kind(iox.OpWrite)
	fmt.Printf("%q: %d writes, %d bytes\n", out.String(), st.Count, st.Bytes)
	// Output: "one two": 2 writes, 7 bytes
}

// Copy between any two streams: each Read and Write is a blocking call,
// and the count it returns is exact when a kill cuts it short.
func ExampleCopy() {
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	defer r.Close()
	defer w.Close()
	copied := make(chan struct{})
	var dst bytes.Buffer
	t := iox.Spawn(func(ctx context.Context) error {
		n, err := iox.Copy(&dst, r)
		fmt.Printf("copied %d bytes, %q\n", n, dst.String())
		return err
	})
	go func() {
		w.WriteString("12345")
		close(copied)
	}()
	<-copied
	// Wait until the task has read the 5 bytes and is blocked reading
	// again, then kill it.
	for st, _ := t.Scheduler().Snapshot().Task(t.ID()); st.Bytes < 5 || st.State != iox.Blocked; st, _ = t.Scheduler().Snapshot().Task(t.ID()) {
		iox.Yield()
	}
	t.Kill(errors.New("enough"))
	fmt.Println(t.Wait())
	// Output:
	// copied 5 bytes, "12345"
	// iox: task killed: enough
}

// A lock held elsewhere: the wait for it is a blocking call that a scope
// or a kill ends, without taking the lock.
func ExampleLock() {
	var mu sync.Mutex
	mu.Lock() // held by someone else

	err := iox.Timeout(10*time.Millisecond, func() error {
		iox.Lock(&mu)
		defer mu.Unlock()
		fmt.Println("never printed")
		return nil
	})
	fmt.Println(err)

	mu.Unlock()
	iox.Lock(&mu) // free: taken at once (or as soon as the abandoned wait lets go)
	fmt.Println("locked")
	mu.Unlock()
	// Output:
	// iox: timeout
	// locked
}

// A Snapshot is the scheduler's table of tasks: what each is blocked in,
// on what, and what its calls did so far. fmt.Println(s.Snapshot())
// prints all of it, times included.
func ExampleSnapshot() {
	s := iox.New(iox.WithName("example"))
	defer s.Close()
	release := make(chan struct{})
	blocked := func(t *iox.Task) {
		for st, _ := s.Snapshot().Task(t.ID()); st.State != iox.Blocked; st, _ = s.Snapshot().Task(t.ID()) {
			iox.Yield()
		}
	}
	worker := s.Go(func(ctx context.Context) error {
		iox.Block("cache", func() error { return nil })
		iox.Block("cache", func() error { return errors.New("miss") })
		return iox.Block("db.Query", func() error { <-release; return nil })
	}).SetName("worker")
	blocked(worker)
	sleeper := s.Go(func(ctx context.Context) error {
		iox.Sleep(time.Hour)
		return nil
	}).SetName("sleeper")
	blocked(sleeper)

	snap := s.Snapshot()
	fmt.Println(snap.Scheduler, snap.Mode, len(snap.Tasks), "tasks")
	for _, t := range []*iox.Task{worker, sleeper} {
		st, _ := snap.Task(t.ID())
		fmt.Printf("%s: %v in %v %q; %d calls ended, %d failed\n", st.Name, st.State, st.Op, st.Target, st.Ops, st.Errors)
	}
	close(release)
	sleeper.Kill(nil)
	iox.JoinAll(time.Second, worker, sleeper)
	// Output:
	// example Free 2 tasks
	// worker: blocked in block "db.Query"; 2 calls ended, 1 failed
	// sleeper: blocked in sleep ""; 0 calls ended, 0 failed
}

// Stats counts the calls per kind and per target, with a histogram of
// their durations; WithStats turns it on.
func ExampleStats() {
	s := iox.New(iox.WithStats())
	defer s.Close()
	s.Go(func(ctx context.Context) error {
		for i := range 4 {
			iox.Block("db", func() error {
				if i == 3 {
					return errors.New("deadlock detected")
				}
				return nil
			})
		}
		iox.Writer(&bytes.Buffer{}).Write([]byte("log line\n"))
		return nil
	}).Wait()
	st := s.Stats()
	db := st.Target("db")
	fmt.Printf("db: %d calls, %d failed, %d timed\n", db.Count, db.Errors, db.Latency.Count())
	w := st.Kind(iox.OpWrite)
	fmt.Printf("write: %d calls, %d bytes\n", w.Count, w.Bytes)
	// Output:
	// db: 4 calls, 1 failed, 4 timed
	// write: 1 calls, 9 bytes
}
