package netx

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// 200 tasks of a Cooperative scheduler talk to an echo server and bump a
// shared counter without a lock: the count is exact, and the race
// detector sees no race, because only one task runs between blocking
// calls and every hand-off orders memory. ReportOnly: on a machine loaded
// enough to hold a task off the CPU for the watchdog's 100 ms, HandOver
// would let two tasks run at once.
func TestCooperativeEchoUnlockedCounter(t *testing.T) {
	addr := echoServer(t)
	s := iox.New(iox.WithMode(iox.Cooperative), iox.WithBlockingPolicy(iox.ReportOnly))
	defer s.Close()
	const tasks, rounds = 200, 20
	counter := 0
	var all []*iox.Task
	for range tasks {
		all = append(all, s.Go(func(ctx context.Context) error {
			c, err := Dial("tcp", addr)
			if err != nil {
				return err
			}
			defer c.Close()
			buf := make([]byte, 4)
			for range rounds {
				if _, err := c.Write([]byte("ping")); err != nil {
					return err
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					return err
				}
				v := counter
				v++ // no blocking call in between: no other task runs here
				counter = v
			}
			return nil
		}))
	}
	iox.JoinAll(time.Minute, all...)
	for _, tk := range all {
		if err := tk.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if counter != tasks*rounds {
		t.Fatalf("counter = %d, want %d", counter, tasks*rounds)
	}
}

// Opening and closing 10,000 connections through netx leaves no socket
// and no goroutine behind (goleak checks the goroutines after the tests).
func TestManyConnectionsLeaveNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 10,000 connections")
	}
	addr, idle := echoServerIdle(t)
	fdsBefore := openSockets(t)
	s := iox.New()
	defer s.Close()
	const conns = 10000
	var pool = iox.NewPool(100)
	spawner := s.Go(func(ctx context.Context) error {
		for range conns {
			pool.Go(func(ctx context.Context) error {
				c, err := Dial("tcp", addr)
				if err != nil {
					return err
				}
				defer c.Close()
				if _, err := c.Write([]byte("x")); err != nil {
					return err
				}
				_, err = io.ReadFull(c, make([]byte, 1))
				return err
			})
		}
		return pool.Wait()
	})
	if err := spawner.Wait(); err != nil {
		t.Fatal(err)
	}
	idle() // the listener is closed, every server-side handler has closed its conn
	if after := openSockets(t); after > fdsBefore {
		t.Fatalf("%d sockets open after closing %d conns, %d before", after, conns, fdsBefore)
	}
}

// openSockets counts the process's open socket file descriptors. (Other
// descriptors come and go: the race detector's runtime opens pipes as it
// makes threads.)
func openSockets(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	n := 0
	for _, e := range ents {
		if l, _ := os.Readlink("/proc/self/fd/" + e.Name()); strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}
