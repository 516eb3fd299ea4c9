package iox_test

import (
	"context"
	"errors"
	"fmt"
	"os"
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
	a := s.Go(func(ctx context.Context) error {
		fmt.Println("a: sleeps, giving up the turn")
		iox.Sleep(10 * time.Millisecond)
		fmt.Println("a: awake")
		return nil
	})
	b := s.Go(func(ctx context.Context) error {
		fmt.Println("b: runs while a sleeps")
		return nil
	})
	iox.JoinAll(time.Second, a, b)
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
	var tasks []*iox.Task
	for _, name := range []string{"a", "b"} {
		tasks = append(tasks, s.Go(func(ctx context.Context) error {
			for i := range 3 {
				counter++ // no mutex: only one task runs at a time
				fmt.Println(name, i)
				iox.Yield()
			}
			return nil
		}))
	}
	iox.JoinAll(time.Second, tasks...)
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
