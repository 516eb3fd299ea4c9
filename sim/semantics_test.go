package sim

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coop-go/coop/httpx/retry"
	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// An hour of sleeps, backoffs and timeouts passes in a fraction of a
// second of the machine's time, and time.Now in the world starts at the
// fixed epoch.
func TestVirtualTime(t *testing.T) {
	Test(t, 1, func(w *World) {
		if now := iox.Now(); !now.Equal(Epoch) {
			t.Errorf("the world starts at %v, want %v", now, Epoch)
		}
		if now := time.Now(); !now.Equal(Epoch) {
			t.Errorf("package time's clock in the world says %v, want %v", now, Epoch)
		}
		for range 60 {
			iox.Sleep(time.Minute)
		}
		err := iox.Timeout(time.Hour, func() error { iox.NewQueue[int](0).Get(); return nil })
		if err != iox.ErrTimeout {
			t.Errorf("a scope of an hour ended with %v", err)
		}
		rc := retry.NewClient()
		rc.RetryMax, rc.RetryWaitMin, rc.RetryWaitMax = 3, 10*time.Minute, 20*time.Minute
		if _, err := rc.Get("http://nobody/"); err == nil {
			t.Error("a GET of a host that does not exist succeeded")
		}
		if got, want := iox.Now().Sub(Epoch), 2*time.Hour+10*time.Minute+20*time.Minute+20*time.Minute; got != want {
			t.Errorf("the world's clock says %v, want %v", got, want)
		}
	})
}

// A world where every task waits and nothing is scheduled fails at once,
// with a Snapshot that shows who waits on what.
func TestDeadlockIsReported(t *testing.T) {
	start := time.Now()
	w := run(t, 3, func(w *World) {
		q := iox.NewQueue[int](0)
		w.Host("db", func(ctx context.Context) error { q.Get(); return nil })
		q.Get()
	})
	if !strings.Contains(w.failure, "deadlock") {
		t.Fatalf("failure = %q, want a deadlock", w.failure)
	}
	if !strings.Contains(w.snap, "db") || !strings.Contains(w.snap, "recv") || !strings.Contains(w.snap, "queue") {
		t.Fatalf("the deadlock's Snapshot does not show the waiters:\n%s", w.snap)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the deadlock took %v of real time to be found", d)
	}
}

// A panic in a host's task fails the run, naming the task and the panic.
func TestPanicIsReported(t *testing.T) {
	w := run(t, 4, func(w *World) {
		w.Host("api", func(ctx context.Context) error { panic("kaboom") }).Wait()
	})
	if !strings.Contains(w.failure, "api") || !strings.Contains(w.failure, "kaboom") {
		t.Fatalf("failure = %q, want the panic of the api host's task", w.failure)
	}
}

// Crash: the peers of the host's conns see a reset, its listeners are gone
// (a dial is refused), its tasks are killed; restarted, it has the same
// address and serves again.
func TestCrashAndRestart(t *testing.T) {
	Test(t, 5, func(w *World) {
		serve := func(ctx context.Context) error {
			l, err := netx.Listen("tcp", ":9")
			if err != nil {
				return err
			}
			for {
				c, err := l.Accept()
				if err != nil {
					return err
				}
				iox.Spawn(func(ctx context.Context) error { io.Copy(c, c); return nil })
			}
		}
		db := w.Host("db", serve)
		c, err := dialRetry("db:9")
		if err != nil {
			t.Fatal(err)
		}
		addr := c.RemoteAddr().String()
		w.Crash("db")
		if err := db.Wait(); !errors.Is(err, iox.ErrKilled) {
			t.Errorf("the crashed host's task ended with %v, want a kill", err)
		}
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("a read from a crashed host = %v, want ECONNRESET", err)
		}
		c.Close()
		if _, err := netx.Dial("tcp", "db:9"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("a dial of a crashed host = %v, want connection refused", err)
		}
		w.Host("db", serve)
		c, err = dialRetry("db:9")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if got := c.RemoteAddr().String(); got != addr {
			t.Errorf("the restarted host is at %s, want its old address %s", got, addr)
		}
		c.Write([]byte("x"))
		if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
			t.Errorf("the restarted host does not echo: %v", err)
		}
	})
}

// Partition: dials time out (on the virtual clock), established conns
// stall; after Heal they resume, losing nothing.
func TestPartitionAndHeal(t *testing.T) {
	Test(t, 6, func(w *World) {
		w.Host("db", func(ctx context.Context) error {
			l, err := netx.Listen("tcp", ":9")
			if err != nil {
				return err
			}
			for {
				c, err := l.Accept()
				if err != nil {
					return err
				}
				iox.Spawn(func(ctx context.Context) error { io.Copy(c, c); return nil })
			}
		})
		c, err := dialRetry("db:9")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		w.Partition("main", "db")
		start := iox.Now()
		if _, err := netx.DialTimeout("tcp", "db:9", 3*time.Second); !isTimeout(err) {
			t.Errorf("a dial across the partition = %v, want a timeout", err)
		}
		if d := iox.Now().Sub(start); d != 3*time.Second {
			t.Errorf("the dial timed out after %v of virtual time, want 3s", d)
		}
		c.Write([]byte("ping"))
		c.SetReadDeadline(iox.Now().Add(time.Second))
		if n, err := c.Read(make([]byte, 4)); !isTimeout(err) {
			t.Errorf("a read across the partition = %d, %v; want it to stall until the deadline", n, err)
		}
		c.SetReadDeadline(time.Time{})
		w.Heal("main", "db")
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
			t.Errorf("after the heal: %q, %v; want the ping echoed", buf, err)
		}
	})
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}
