package iox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coop-go/coop/iox"
)

func ExampleScheduler_Go() {
	s := iox.New()
	defer s.Close()
	t := s.Go(func(ctx context.Context) error {
		return errors.New("done")
	})
	fmt.Println(t.Wait())
	// Output: done
}

func ExampleTask_Kill() {
	started := make(chan struct{})
	t := iox.Spawn(func(ctx context.Context) error {
		defer fmt.Println("cleanup runs")
		close(started)
		iox.Sleep(time.Hour) // code with no context is killable here
		return nil
	})
	<-started
	t.Kill(errors.New("shutting down"))
	err := t.Wait()
	fmt.Println(err)
	fmt.Println(errors.Is(err, iox.ErrKilled))
	// Output:
	// cleanup runs
	// iox: task killed: shutting down
	// true
}

func ExampleTimeout() {
	err := iox.Timeout(10*time.Millisecond, func() error {
		iox.Sleep(time.Hour) // any blocking call at any depth
		return nil
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, os.ErrDeadlineExceeded))
	// Output:
	// iox: timeout
	// true
}

func ExampleJoinAll() {
	fast := iox.Spawn(func(ctx context.Context) error { return nil }).SetName("fast")
	slow := iox.Spawn(func(ctx context.Context) error {
		iox.Sleep(time.Hour)
		return nil
	}).SetName("slow")
	done := iox.JoinAll(50*time.Millisecond, fast, slow)
	for _, t := range done {
		fmt.Println("finished:", t.Name())
	}
	iox.KillAll(errors.New("too slow"), slow)
	fmt.Println("slow:", slow.Wait())
	// Output:
	// finished: fast
	// slow: iox: task killed: too slow
}

func ExampleSleep() {
	s := iox.New(iox.WithMode(iox.Cooperative))
	defer s.Close()
	// A task that holds the turn queues both, so they start in this order.
	s.Go(func(ctx context.Context) error {
		a := iox.Spawn(func(ctx context.Context) error {
			fmt.Println("a: sleeps, giving up the turn")
			iox.Sleep(10 * time.Millisecond)
			fmt.Println("a: awake")
			return nil
		})
		b := iox.Spawn(func(ctx context.Context) error {
			fmt.Println("b: runs while a sleeps")
			return nil
		})
		iox.JoinAll(time.Second, a, b)
		return nil
	}).Wait()
	// Output:
	// a: sleeps, giving up the turn
	// b: runs while a sleeps
	// a: awake
}

// In Cooperative mode one task runs at a time and the turn passes only at
// blocking calls, so the interleaving is predictable and shared state
// needs no lock.
func Example_cooperative() {
	s := iox.New(iox.WithMode(iox.Cooperative))
	defer s.Close()
	counter := 0
	s.Go(func(ctx context.Context) error {
		var tasks []*iox.Task
		for _, name := range []string{"a", "b"} {
			// Spawned while this task holds the turn: both wait for it,
			// in this order.
			tasks = append(tasks, iox.Spawn(func(ctx context.Context) error {
				for i := range 3 {
					counter++ // no mutex: only one task runs at a time
					fmt.Println(name, i)
					iox.Yield()
				}
				return nil
			}))
		}
		iox.JoinAll(time.Second, tasks...)
		return nil
	}).Wait()
	fmt.Println("counter:", counter)
	// Output:
	// a 0
	// b 0
	// a 1
	// b 1
	// a 2
	// b 2
	// counter: 6
}

func ExamplePool() {
	p := iox.NewPool(2) // at most two at once, as gevent.pool.Pool(2)
	var mu sync.Mutex
	running, peak := 0, 0
	for range 6 {
		p.Go(func(ctx context.Context) error { // waits while the pool is full
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			iox.Sleep(time.Millisecond)
			mu.Lock()
			running--
			mu.Unlock()
			return nil
		})
	}
	fmt.Println(p.Wait(), "peak:", peak)
	// Output: <nil> peak: 2
}

func ExampleQueue() {
	q := iox.NewQueue[string](1) // Put waits while one item is queued
	producer := iox.Spawn(func(ctx context.Context) error {
		for _, s := range []string{"a", "b", "c"} {
			q.Put(s)
		}
		return nil
	})
	for range 3 {
		fmt.Println(q.Get())
	}
	producer.Wait()
	// Output:
	// a
	// b
	// c
}

func ExampleFlag() {
	var ready iox.Flag
	s := iox.New(iox.WithMode(iox.Cooperative))
	defer s.Close()
	waiter := s.Go(func(ctx context.Context) error {
		ready.Wait() // gives up the turn until the flag is set
		fmt.Println("waiter: ready")
		return nil
	})
	setter := s.Go(func(ctx context.Context) error {
		fmt.Println("setter: setting")
		ready.Set()
		return nil
	})
	iox.JoinAll(time.Second, waiter, setter)
	// Output:
	// setter: setting
	// waiter: ready
}

func ExampleRecv() {
	ch := make(chan int)
	t := iox.Spawn(func(ctx context.Context) error {
		v, ok := iox.Recv(ch) // a channel wait that a kill or a scope can end
		fmt.Println(v, ok)
		return nil
	})
	ch <- 42
	t.Wait()
	// Output: 42 true
}

func ExampleBlock() {
	// A blocking call coop cannot see into (a cgo call, a driver), marked so
	// that it is reported and, in Cooperative mode, runs without the turn.
	err := iox.Block("legacy.Query", func() error {
		return errors.New("no rows")
	})
	fmt.Println(err)
	// Output: no rows
}

func ExampleScheduler_Snapshot() {
	s := iox.New(iox.WithName("example"))
	defer s.Close()
	started := make(chan struct{})
	t := s.Go(func(ctx context.Context) error {
		close(started)
		iox.Sleep(time.Hour)
		return nil
	}).SetName("sleeper")
	<-started
	for {
		st, _ := s.Snapshot().Task(t.ID())
		if st.State == iox.Blocked {
			fmt.Println(st.Name, st.State, st.Op)
			break
		}
		iox.Yield()
	}
	// fmt.Println(s.Snapshot()) prints the whole table.
	t.Kill(nil)
	t.Wait()
	// Output: sleeper blocked sleep
}

func ExampleScheduler_Stats() {
	s := iox.New(iox.WithStats())
	defer s.Close()
	t := s.Go(func(ctx context.Context) error {
		for range 3 {
			iox.Block("db", func() error { return nil })
		}
		return nil
	})
	t.Wait()
	st := s.Stats()
	fmt.Println("block calls:", st.Kind(iox.OpBlock).Count)
	fmt.Println("calls on db:", st.Target("db").Count)
	// Output:
	// block calls: 3
	// calls on db: 3
}

func ExampleBegin() {
	// A shim for a blocking call: the door reports it, and in a killed task
	// or an expired scope the real call is not made.
	read := func(ctx context.Context, r io.Reader, p []byte) (int, error) {
		op, err := iox.Begin(ctx, iox.OpRead, "my-device")
		if err != nil {
			return 0, err
		}
		n, err := r.Read(p)
		return n, op.End(n, err)
	}
	err := iox.Timeout(0, func() error { // a scope that has already expired
		_, err := read(context.Background(), strings.NewReader("data"), make([]byte, 4))
		return err
	})
	fmt.Println(err)
	// Output: iox: timeout
}
