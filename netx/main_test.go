package netx

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/coop-go/coop/iox"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(holdServerEnv) != "" {
		holdServer() // a child process of BenchmarkIdleConns
		return
	}
	goleak.VerifyTestMain(m)
}

var errReason = errors.New("reason")

// tcpPair returns the two ends of a loopback TCP connection: a, dialed
// with netx, and b, accepted with package net (so b is a raw
// *net.TCPConn).
func tcpPair(t testing.TB) (a *TCPConn, b *net.TCPConn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	c, err := Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*TCPConn), s.(*net.TCPConn)
}

// rawPair is tcpPair with package net on both ends.
func rawPair(t testing.TB) (a, b *net.TCPConn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// echoServer serves echo on loopback with netx until the test ends.
func echoServer(t testing.TB) string {
	addr, _ := echoServerIdle(t)
	return addr
}

// echoServerIdle is echoServer, also returning a function that stops it
// and waits until every connection it accepted has been closed by the
// server.
func echoServerIdle(t testing.TB) (string, func()) {
	t.Helper()
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var handlers sync.WaitGroup
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			handlers.Add(1)
			go func() {
				defer handlers.Done()
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	// Closing the listener and waiting for the accept loop to end first
	// orders its last handlers.Add before Wait for the race detector,
	// which sees no order through the sockets.
	stop := func() { l.Close(); <-done; handlers.Wait() }
	t.Cleanup(stop)
	return l.Addr().String(), stop
}

// blockedIn waits until task tk of s is in a blocking call of the given
// kind, as the scheduler's Snapshot shows.
func blockedIn(t testing.TB, s *iox.Scheduler, tk *iox.Task, kind iox.OpKind) iox.TaskState {
	t.Helper()
	for {
		select {
		case <-tk.Done():
			t.Fatalf("task ended with %v before blocking in %v", tk.Err(), kind)
		default:
		}
		if st, ok := s.Snapshot().Task(tk.ID()); ok && st.State == iox.Blocked && st.Op == kind {
			return st
		}
		iox.Yield()
	}
}

// killWhileBlocked runs call in a task, waits until it blocks in kind,
// kills it and returns the task's error.
func killWhileBlocked(t testing.TB, kind iox.OpKind, call func(ctx context.Context) error) error {
	t.Helper()
	s := iox.New()
	defer s.Close()
	tk := s.Go(call)
	blockedIn(t, s, tk, kind)
	tk.Kill(errReason)
	return tk.Wait()
}
