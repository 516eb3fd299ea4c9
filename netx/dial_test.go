package netx

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// fullBacklog returns the address of a loopback listener that never
// accepts and whose backlog is full: a new connect's SYN is dropped, so a
// dial there blocks until it times out.
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	// Fill the accept queue until a connect no longer completes.
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
		if i > 100 {
			t.Skip("the kernel keeps accepting connects into a zero backlog")
		}
	}
	return addr
}

func TestKillBlockedDial(t *testing.T) {
	addr := fullBacklog(t)
	start := time.Now()
	err := killWhileBlocked(t, iox.OpDial, func(ctx context.Context) error {
		c, err := Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err
	})
	isKill(t, err, "dial")
	t.Logf("dial killed after %v", time.Since(start))
}

func TestScopeBoundsDial(t *testing.T) {
	addr := fullBacklog(t)
	err := iox.Timeout(30*time.Millisecond, func() error {
		var d Dialer
		c, err := d.DialContext(context.Background(), "tcp", addr)
		if err == nil {
			c.Close()
		}
		return err
	})
	if !errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("dial under a scope = %v, want iox.ErrTimeout", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" {
		t.Fatalf("%v is not a dial *net.OpError", err)
	}
}

// A context deadline of the caller's own stays package net's error.
func TestDialContextDeadlineIsNets(t *testing.T) {
	addr := fullBacklog(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := iox.Timeout(time.Hour, func() error {
		var d Dialer
		_, err := d.DialContext(ctx, "tcp", addr)
		return err
	})
	// Package net reports a context deadline as context.DeadlineExceeded
	// or, when the socket's own deadline fires first, as
	// os.ErrDeadlineExceeded: a timeout either way, and not the scope's.
	var ne net.Error
	if errors.Is(err, iox.ErrTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("dial past the context's deadline = %v, want package net's own timeout", err)
	}
}

// net/http dials on a goroutine of its own with a context that carries the
// request's values: the task in the context is killed, and the dial ends.
func TestDialOffTaskGoroutineEndsWithTask(t *testing.T) {
	addr := fullBacklog(t)
	s := iox.New()
	defer s.Close()
	errc := make(chan error, 1)
	started := make(chan struct{})
	tk := s.Go(func(ctx context.Context) error {
		go func() {
			var d Dialer
			close(started)
			_, err := d.DialContext(context.WithoutCancel(ctx), "tcp", addr)
			errc <- err
		}()
		<-ctx.Done()
		return nil
	})
	<-started
	tk.Kill(errReason)
	if err := <-errc; !errors.Is(err, iox.ErrKilled) {
		t.Fatalf("dial on a helper goroutine ended with %v, want the task's kill", err)
	}
	tk.Wait()
}

func TestDialVariants(t *testing.T) {
	addr := echoServer(t)
	ta, _ := net.ResolveTCPAddr("tcp", addr)
	c, err := DialTCP("tcp", nil, ta)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := DialTCP("tcp", nil, nil); err == nil {
		t.Fatal("DialTCP with no address succeeded")
	}
	c2, err := DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c2.(*TCPConn); !ok {
		t.Fatalf("DialTimeout returned %T, want *netx.TCPConn", c2)
	}
	c2.Close()
	d := Dialer{Timeout: time.Second, KeepAlive: -1}
	d.SetMultipathTCP(false)
	if d.MultipathTCP() {
		t.Fatal("MultipathTCP() after SetMultipathTCP(false)")
	}
	c3, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c3.Close()
}

func TestKilledTaskCannotDial(t *testing.T) {
	addr := echoServer(t)
	tk := iox.Spawn(func(ctx context.Context) error {
		iox.Current().Kill(errReason)
		c, err := Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err
	})
	err := tk.Wait()
	isKill(t, err, "dial")
}
