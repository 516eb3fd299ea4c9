package netx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// isKill checks the shape of a killed call's error: a *net.OpError whose
// Err matches iox.ErrKilled and the reason.
func isKill(t *testing.T, err error, op string) {
	t.Helper()
	var oe *net.OpError
	if !errors.As(err, &oe) || !errors.Is(err, iox.ErrKilled) || !errors.Is(err, errReason) {
		t.Fatalf("%s ended with %v, want a *net.OpError matching iox.ErrKilled and the reason", op, err)
	}
	if oe.Op != op {
		t.Fatalf("OpError.Op = %q, want %q", oe.Op, op)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("a kill reads as a timeout: %v", err)
	}
}

func TestKillBlockedRead(t *testing.T) {
	a, b := tcpPair(t)
	start := time.Now()
	err := killWhileBlocked(t, iox.OpRead, func(ctx context.Context) error {
		_, err := a.Read(make([]byte, 10))
		return err
	})
	t.Logf("killed read returned %v after the kill", time.Since(start))
	isKill(t, err, "read")
	// The conn works afterwards: the user's deadline (none) is back.
	b.Write([]byte("hi"))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(a, buf); err != nil || string(buf) != "hi" {
		t.Fatalf("read after the kill = %q, %v", buf, err)
	}
}

func TestKillBlockedWrite(t *testing.T) {
	a, b := tcpPair(t)
	a.SetWriteBuffer(4096)
	b.SetReadBuffer(4096)
	var written int
	err := killWhileBlocked(t, iox.OpWrite, func(ctx context.Context) error {
		chunk := make([]byte, 64<<10)
		for { // the peer does not read: the buffers fill and Write blocks
			n, err := a.Write(chunk)
			written += n
			if err != nil {
				return err
			}
		}
	})
	isKill(t, err, "write")
	// Every byte Write reported arrives, and nothing more.
	a.Close()
	got, _ := io.Copy(io.Discard, b)
	if got != int64(written) {
		t.Fatalf("peer received %d bytes, writes reported %d", got, written)
	}
}

func TestKillBlockedAccept(t *testing.T) {
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = killWhileBlocked(t, iox.OpAccept, func(ctx context.Context) error {
		_, err := l.Accept()
		return err
	})
	isKill(t, err, "accept")
	// The listener is still open and accepts.
	go func() {
		if c, err := net.Dial("tcp", l.Addr().String()); err == nil {
			c.Close()
		}
	}()
	c, err := l.Accept()
	if err != nil {
		t.Fatalf("Accept after the kill: %v", err)
	}
	c.Close()
}

func TestScopeAroundLegacyCode(t *testing.T) {
	addr := stallServer(t)
	// Legacy code: no deadlines, no context.
	legacy := func() error {
		c, err := Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		fmt.Fprintf(c, "hello\n")
		_, err = io.ReadAll(c) // the server never answers
		return err
	}
	start := time.Now()
	err := iox.Timeout(50*time.Millisecond, legacy)
	elapsed := time.Since(start)
	if !errors.Is(err, iox.ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("legacy code under a scope = %v, want iox.ErrTimeout", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("%v is not a net.Error timeout", err)
	}
	if elapsed < 50*time.Millisecond {
		t.Fatalf("the scope ended the call after %v, before its deadline", elapsed)
	}
}

// stallServer accepts and reads but never writes.
func stallServer(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

// After a scope ends, the conn's deadlines are the user's again.
func TestScopeRestoresUserDeadline(t *testing.T) {
	a, b := tcpPair(t)
	err := iox.Timeout(10*time.Millisecond, func() error {
		_, err := a.Read(make([]byte, 1))
		return err
	})
	if err == nil || !errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("read under a scope = %v", err)
	}
	// No deadline now: a read waits for data rather than failing at once.
	go b.Write([]byte("x"))
	if _, err := a.Read(make([]byte, 1)); err != nil {
		t.Fatalf("read after the scope = %v, want the data", err)
	}
	// A user deadline set before the scope survives it.
	a.SetReadDeadline(time.Now().Add(-time.Second))
	iox.Timeout(time.Hour, func() error { a.Read(make([]byte, 1)); return nil })
	if _, err := a.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("read past the user's deadline after a scope = %v, want os.ErrDeadlineExceeded", err)
	}
}

// deadlineScript exercises the deadline semantics of package net on a
// conn pair and returns what it observed, one line per step.
func deadlineScript(c, peer net.Conn) []string {
	var out []string
	class := func(n int, err error) string {
		var ne net.Error
		switch {
		case err == nil:
			return fmt.Sprintf("n=%d ok", n)
		case errors.Is(err, os.ErrDeadlineExceeded):
			timeout := errors.As(err, &ne) && ne.Timeout()
			return fmt.Sprintf("n=%d deadline timeout=%v", n, timeout)
		case errors.Is(err, io.EOF):
			return fmt.Sprintf("n=%d EOF", n)
		case errors.Is(err, net.ErrClosed):
			return fmt.Sprintf("n=%d closed", n)
		}
		return fmt.Sprintf("n=%d other: %v", n, err)
	}
	buf := make([]byte, 8)
	step := func(name string, n int, err error) { out = append(out, name+": "+class(n, err)) }

	c.SetReadDeadline(time.Now().Add(-time.Second))
	n, err := c.Read(buf)
	step("read past deadline", n, err)

	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	n, err = c.Read(buf)
	step("read until a near deadline", n, err)

	peer.Write([]byte("abc"))
	c.SetReadDeadline(time.Now().Add(time.Hour))
	n, err = c.Read(buf)
	step("read with data and a far deadline", n, err)

	c.SetReadDeadline(time.Time{})
	go func() { peer.Write([]byte("def")) }()
	n, err = c.Read(buf)
	step("read with no deadline", n, err)

	// Abort a read from another goroutine, as net/http does. Whether the
	// read has blocked yet or not, it ends with the deadline error.
	done := make(chan struct{})
	go func() {
		defer close(done)
		n, err := c.Read(buf)
		step("read aborted by a deadline in the past", n, err)
	}()
	c.SetReadDeadline(time.Unix(1, 0))
	<-done

	c.SetWriteDeadline(time.Now().Add(-time.Second))
	n, err = c.Write([]byte("x"))
	step("write past deadline", n, err)

	c.SetDeadline(time.Time{})
	n, err = c.Write([]byte("xyz"))
	step("write with no deadline", n, err)
	n, err = io.ReadFull(peer, make([]byte, 3))
	step("peer reads it", n, err)

	peer.Write([]byte("ghi"))
	peer.Close()
	c.SetReadDeadline(time.Now().Add(time.Hour))
	n, err = io.ReadFull(c, make([]byte, 3))
	step("read the rest", n, err)
	n, err = c.Read(buf)
	step("read after the peer closed", n, err)

	c.Close()
	n, err = c.Read(buf)
	step("read after Close", n, err)
	n, err = c.Write([]byte("x"))
	step("write after Close", n, err)
	return out
}

// The user's deadlines behave exactly as package net's: the same script
// on a raw pair and on netx conns, in a task and in a scope, sees the
// same results.
func TestUserDeadlinesMatchPackageNet(t *testing.T) {
	ra, rb := rawPair(t)
	want := deadlineScript(ra, rb)
	for _, where := range []string{"plain goroutine", "task", "task in a far scope", "cooperative task"} {
		t.Run(where, func(t *testing.T) {
			a, b := tcpPair(t)
			var got []string
			run := func() error { got = deadlineScript(a, b); return nil }
			switch where {
			case "plain goroutine":
				run()
			case "task":
				iox.Spawn(func(ctx context.Context) error { return run() }).Wait()
			case "task in a far scope":
				iox.Spawn(func(ctx context.Context) error {
					return iox.Timeout(time.Hour, run)
				}).Wait()
			case "cooperative task":
				s := iox.New(iox.WithMode(iox.Cooperative))
				s.Go(func(ctx context.Context) error { return run() }).Wait()
				s.Close()
			}
			if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
				t.Fatalf("netx:\n%s\n\nnet:\n%s", g, w)
			}
		})
	}
	t.Logf("script:\n%s", strings.Join(want, "\n"))
}

func TestUnwrapAndWrap(t *testing.T) {
	a, _ := tcpPair(t)
	if _, ok := a.Unwrap().(*net.TCPConn); !ok {
		t.Fatalf("Unwrap() = %T, want *net.TCPConn", a.Unwrap())
	}
	if Wrap(a) != net.Conn(a) {
		t.Fatal("Wrap of a netx conn wraps it again")
	}
	if Wrap(nil) != nil || WrapListener(nil) != nil || WrapPacketConn(nil) != nil {
		t.Fatal("Wrap(nil) is not nil")
	}
	p1, p2 := net.Pipe()
	w := Wrap(p1)
	defer w.Close()
	defer p2.Close()
	if _, ok := w.(*genericConn); !ok {
		t.Fatalf("Wrap(pipe) = %T", w)
	}
}
