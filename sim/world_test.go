package sim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// echoWorld: a host serving a line echo on :7, and clients on main that
// dial it by name, with sleeps between their lines.
func echoWorld(t *testing.T, clients int) func(w *World) {
	return func(w *World) {
		w.Host("srv", func(ctx context.Context) error {
			l, err := netx.Listen("tcp", ":7")
			if err != nil {
				return err
			}
			for {
				c, err := l.Accept()
				if err != nil {
					return err
				}
				iox.Spawn(func(ctx context.Context) error {
					defer c.Close()
					r := bufio.NewReader(c)
					for {
						line, err := r.ReadString('\n')
						if err != nil {
							return nil
						}
						if _, err := c.Write([]byte("echo " + line)); err != nil {
							return err
						}
					}
				})
			}
		})
		var tasks []*iox.Task
		for i := range clients {
			tasks = append(tasks, iox.Spawn(func(ctx context.Context) error {
				c, err := dialRetry("srv:7")
				if err != nil {
					return err
				}
				defer c.Close()
				r := bufio.NewReader(c)
				for j := range 3 {
					iox.Sleep(time.Duration(i+j) * time.Millisecond)
					fmt.Fprintf(c, "%d.%d\n", i, j)
					got, err := r.ReadString('\n')
					if err != nil {
						return err
					}
					if want := fmt.Sprintf("echo %d.%d\n", i, j); got != want {
						t.Errorf("client %d got %q, want %q", i, got, want)
					}
				}
				return nil
			}))
		}
		for _, tk := range tasks {
			if err := tk.Wait(); err != nil {
				t.Errorf("client: %v", err)
			}
		}
	}
}

func TestEchoWorld(t *testing.T) {
	var first string
	for i := range 5 {
		var log string
		Test(t, 42, func(w *World) {
			echoWorld(t, 4)(w)
			log = FormatEvents(w.Log())
		})
		if i == 0 {
			first = log
			if !strings.Contains(log, "dial") || !strings.Contains(log, "srv") && !strings.Contains(log, "10.0.0.2:7") {
				t.Fatalf("the log lacks the dials:\n%s", log)
			}
			continue
		}
		if log != first {
			t.Fatalf("run %d of seed 42 differs from the first:\n%s\n--- first:\n%s", i, log, first)
		}
	}
	t.Logf("%d lines of log, identical in 5 runs", strings.Count(first, "\n"))
}

// dialRetry dials address, retrying every millisecond while nobody
// listens there yet, as a client that starts before its server does.
func dialRetry(address string) (net.Conn, error) {
	for {
		c, err := netx.Dial("tcp", address)
		if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
			return c, err
		}
		iox.Sleep(time.Millisecond)
	}
}
