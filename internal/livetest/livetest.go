// Package livetest builds, for the tests of package live and of the
// terminal view, a scheduler whose tasks are blocked in known calls.
package livetest

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sync"
	"testing"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// A Scene is a scheduler with tasks blocked in known calls: each has made
// a call or more before it blocked, so that its detail shows events.
type Scene struct {
	S *iox.Scheduler

	Reader   *iox.Task // blocked in a read of a conn to Addr, after a dial and a write
	Sleeper  *iox.Task // blocked in a sleep of an hour, after a short one
	Receiver *iox.Task // blocked in a receive, after one that did not wait
	Locker   *iox.Task // blocked in a lock the scene holds, after one it got at once
	Workers  []*iox.Task

	Addr string // the address Reader reads from: a server that never writes
}

// New builds a scene on a new scheduler made with opts (WithStats is
// added), with the given number of workers: worker i, named
// "worker-NN", makes i calls that do not wait and then blocks in a
// receive. before, if not nil, is called with the scheduler before any
// task starts (to mount a handler on it). New returns once every task is
// blocked; the scene ends with the test.
func New(t testing.TB, workers int, before func(s *iox.Scheduler), opts ...iox.Option) *Scene {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held sync.WaitGroup
	var conns []net.Conn
	var connsMu sync.Mutex
	held.Add(1)
	go func() {
		defer held.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			connsMu.Lock()
			conns = append(conns, c)
			connsMu.Unlock()
		}
	}()
	sc := &Scene{S: iox.New(append([]iox.Option{iox.WithName("scene"), iox.WithStats()}, opts...)...), Addr: l.Addr().String()}
	if before != nil {
		before(sc.S)
	}
	never := make(chan int)
	var mu sync.Mutex
	mu.Lock()
	t.Cleanup(func() {
		sc.S.Close()
		mu.Unlock() // Lock's helper goroutine takes it, and lets it go
		l.Close()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		held.Wait()
	})

	sc.Reader = sc.S.Go(func(ctx context.Context) error {
		c, err := netx.Dial("tcp", sc.Addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("hello")); err != nil {
			return err
		}
		_, err = c.Read(make([]byte, 1))
		return err
	}).SetName("reader")
	sc.Sleeper = sc.S.Go(func(ctx context.Context) error {
		iox.Sleep(1)
		iox.Sleep(1 << 62)
		return nil
	}).SetName("sleeper")
	sc.Receiver = sc.S.Go(func(ctx context.Context) error {
		ready := make(chan int, 1)
		ready <- 1
		iox.Recv(ready)
		iox.Recv(never)
		return nil
	}).SetName("receiver")
	sc.Locker = sc.S.Go(func(ctx context.Context) error {
		var free sync.Mutex
		iox.Lock(&free)
		free.Unlock()
		iox.Lock(&mu)
		mu.Unlock()
		return nil
	}).SetName("locker")
	for i := range workers {
		sc.Workers = append(sc.Workers, sc.S.Go(func(ctx context.Context) error {
			ready := make(chan int, i)
			for range i {
				ready <- i
			}
			for range i {
				iox.Recv(ready)
			}
			iox.Recv(never)
			return nil
		}).SetName(fmt.Sprintf("worker-%02d", i)))
	}
	sc.WaitBlocked(t, sc.Reader, iox.OpRead)
	sc.WaitBlocked(t, sc.Sleeper, iox.OpSleep)
	sc.WaitBlocked(t, sc.Receiver, iox.OpRecv)
	sc.WaitBlocked(t, sc.Locker, iox.OpLock)
	for _, w := range sc.Workers {
		sc.WaitBlocked(t, w, iox.OpRecv)
	}
	return sc
}

// WaitBlocked waits until task tk is in a blocking call of the given
// kind, as the scheduler's Snapshot shows; it fails the test if tk ends
// first.
func (sc *Scene) WaitBlocked(t testing.TB, tk *iox.Task, kind iox.OpKind) iox.TaskState {
	t.Helper()
	for {
		select {
		case <-tk.Done():
			t.Fatalf("task %d %s ended with %v before blocking in %v", tk.ID(), tk.Name(), tk.Err(), kind)
		default:
		}
		if st, ok := sc.S.Snapshot().Task(tk.ID()); ok && st.State == iox.Blocked && st.Op == kind {
			return st
		}
		runtime.Gosched()
	}
}
