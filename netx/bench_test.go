package netx

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/coop-go/coop/internal/procmem"
	"github.com/coop-go/coop/iox"
)

// rawEchoServer serves echo with package net, one goroutine per conn.
func rawEchoServer(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); io.Copy(c, c) }()
		}
	}()
	b.Cleanup(func() { l.Close(); wg.Wait() })
	return l.Addr().String()
}

// BenchmarkEcho64 is one 64-byte round trip to an echo server (package
// net's, the same for both): from a goroutine over package net, and from a
// task over netx, with nothing else in force and with stats on.
func BenchmarkEcho64(b *testing.B) {
	addr := rawEchoServer(b)
	roundTrips := func(b *testing.B, c net.Conn) error {
		msg, buf := make([]byte, 64), make([]byte, 64)
		for range b.N {
			if _, err := c.Write(msg); err != nil {
				return err
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				return err
			}
		}
		return nil
	}
	b.Run("impl=net", func(b *testing.B) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		b.ResetTimer()
		if err := roundTrips(b, c); err != nil {
			b.Fatal(err)
		}
	})
	for _, tc := range []struct {
		name string
		opts []iox.Option
	}{{"netx-task", nil}, {"netx-task-stats", []iox.Option{iox.WithStats()}}} {
		b.Run("impl="+tc.name, func(b *testing.B) {
			s := iox.New(tc.opts...)
			defer s.Close()
			err := s.Go(func(ctx context.Context) error {
				c, err := Dial("tcp", addr)
				if err != nil {
					return err
				}
				defer c.Close()
				b.ResetTimer()
				return roundTrips(b, c)
			}).Wait()
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkBulk sends 1 GiB in 64 KiB writes over one loopback TCP
// connection and reads it on the other end: package net on both ends, and
// netx on both ends in tasks. MB/s is the figure.
func BenchmarkBulk(b *testing.B) {
	const total, chunk = 1 << 30, 64 << 10
	run := func(b *testing.B, w, r net.Conn, inTask func(func() error) error) {
		b.SetBytes(total)
		for range b.N {
			errc := make(chan error, 1)
			go func() {
				errc <- inTask(func() error {
					buf := make([]byte, chunk)
					for sent := 0; sent < total; sent += chunk {
						if _, err := w.Write(buf); err != nil {
							return err
						}
					}
					return nil
				})
			}()
			err := inTask(func() error {
				buf := make([]byte, chunk)
				for got := 0; got < total; {
					n, err := r.Read(buf)
					got += n
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err := <-errc; err != nil {
				b.Fatal(err)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("impl=net", func(b *testing.B) {
		w, r := rawPair(b)
		run(b, w, r, func(f func() error) error { return f() })
	})
	b.Run("impl=netx", func(b *testing.B) {
		w, r := rawPair(b)
		s := iox.New()
		defer s.Close()
		run(b, Wrap(w), Wrap(r), func(f func() error) error {
			return s.Go(func(ctx context.Context) error { return f() }).Wait()
		})
	})
}

// BenchmarkRelay copies 1 GiB from one connection to another with
// io.Copy, as a proxy does: package net's conns, and netx's in a task
// (which keeps the kernel's splice).
func BenchmarkRelay(b *testing.B) {
	const total = 1 << 30
	run := func(b *testing.B, copyFn func(dst, src net.Conn) (int64, error), wrap func(net.Conn) net.Conn) {
		b.SetBytes(total)
		for range b.N {
			srcW, srcR := rawPair(b)
			dstW, dstR := rawPair(b)
			go func() {
				buf := make([]byte, 1<<20)
				for sent := 0; sent < total; sent += len(buf) {
					srcW.Write(buf)
				}
				srcW.Close()
			}()
			drained := make(chan int64)
			go func() { n, _ := io.Copy(io.Discard, dstR); drained <- n }()
			n, err := copyFn(wrap(dstW), wrap(srcR))
			dstW.CloseWrite()
			if err != nil || n != total || <-drained != total {
				b.Fatalf("relayed %d, %v", n, err)
			}
		}
	}
	b.Run("impl=net", func(b *testing.B) {
		run(b, func(dst, src net.Conn) (int64, error) { return io.Copy(dst, src) }, func(c net.Conn) net.Conn { return c })
	})
	b.Run("impl=netx", func(b *testing.B) {
		s := iox.New()
		defer s.Close()
		run(b, func(dst, src net.Conn) (n int64, err error) {
			err = s.Go(func(ctx context.Context) error {
				var err error
				n, err = io.Copy(dst, src)
				return err
			}).Wait()
			return n, err
		}, Wrap)
	})
}

// BenchmarkEchoMany is gevent's echo_inproc: 1,000 clients each make 100
// round trips of 64 bytes to an echo server in the same process. The
// figure is round trips per second. net: goroutines and package net on
// both sides; netx-free and netx-cooperative: server conns and clients
// are tasks of one scheduler, in Free or Cooperative mode.
func BenchmarkEchoMany(b *testing.B) {
	const clients, rounds = 1000, 100
	run := func(b *testing.B, listen func() (net.Listener, error), dial func(string) (net.Conn, error), spawn func(func() error) func() error) {
		l, err := listen()
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		serving := spawn(func() error {
			var handlers []func() error
			for {
				c, err := l.Accept()
				if err != nil {
					for _, wait := range handlers {
						wait() // a task's Wait: a blocking call, not a raw wait
					}
					return nil
				}
				handlers = append(handlers, spawn(func() error { defer c.Close(); io.Copy(c, c); return nil }))
			}
		})
		addr := l.Addr().String()
		b.ResetTimer()
		for range b.N {
			var waits []func() error
			for range clients {
				waits = append(waits, spawn(func() error {
					c, err := dial(addr)
					if err != nil {
						return err
					}
					defer c.Close()
					msg, buf := make([]byte, 64), make([]byte, 64)
					for range rounds {
						if _, err := c.Write(msg); err != nil {
							return err
						}
						if _, err := io.ReadFull(c, buf); err != nil {
							return err
						}
					}
					return nil
				}))
			}
			for _, w := range waits {
				if err := w(); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		l.Close()
		serving()
		b.ReportMetric(float64(b.N*clients*rounds)/b.Elapsed().Seconds(), "rt/s")
	}
	b.Run("impl=net", func(b *testing.B) {
		run(b, func() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }, func(a string) (net.Conn, error) { return net.Dial("tcp", a) },
			func(f func() error) func() error {
				errc := make(chan error, 1)
				go func() { errc <- f() }()
				return func() error { return <-errc }
			})
	})
	for _, mode := range []iox.Mode{iox.Free, iox.Cooperative} {
		b.Run("impl=netx-"+strings.ToLower(mode.String()), func(b *testing.B) {
			s := iox.New(iox.WithMode(mode))
			defer s.Close()
			run(b, func() (net.Listener, error) { return Listen("tcp", "127.0.0.1:0") }, func(a string) (net.Conn, error) { return Dial("tcp", a) },
				func(f func() error) func() error {
					t := s.Go(func(ctx context.Context) error { return f() })
					return t.Wait
				})
		})
	}
}

const holdServerEnv = "NETX_HOLD_SERVER"

// holdServer runs in a child process: it accepts connections and holds
// them until its standard input closes.
func holdServer() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println(l.Addr())
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// BenchmarkIdleConns holds 10,000 idle connections, each read by a task
// blocked in Read (netx) or a goroutine blocked in Read (package net), and
// reports the memory per connection: heap and stacks from
// runtime.MemStats, and the growth of the process's resident set. The far
// ends live in a child process, as one process may hold only about 20,000
// files here.
func BenchmarkIdleConns(b *testing.B) {
	const n = 10000
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	hold := func(b *testing.B, dial func(string) (net.Conn, error), start func(c net.Conn)) {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), holdServerEnv+"=1")
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer cmd.Wait()
		defer stdin.Close()
		addr, _ := bufio.NewReader(stdout).ReadString('\n')
		addr = strings.TrimSpace(addr)
		for range b.N {
			runtime.GC()
			before, rssBefore := procmem.InUse(), procmem.RSS()
			conns := make([]net.Conn, 0, n)
			for range n {
				c, err := dial(addr)
				if err != nil {
					b.Fatal(err)
				}
				conns = append(conns, c)
				start(c)
			}
			runtime.GC()
			after, rssAfter := procmem.InUse(), procmem.RSS()
			b.ReportMetric(float64(after-before)/n, "B/conn")
			b.ReportMetric(float64(rssAfter-rssBefore)/n, "RSS-B/conn")
			for _, c := range conns {
				c.Close()
			}
		}
	}
	b.Run("impl=net", func(b *testing.B) {
		var wg sync.WaitGroup
		hold(b, func(a string) (net.Conn, error) { return net.Dial("tcp", a) }, func(c net.Conn) {
			wg.Add(1)
			go func() { defer wg.Done(); c.Read(make([]byte, 1)) }()
		})
		wg.Wait()
	})
	b.Run("impl=netx-task", func(b *testing.B) {
		s := iox.New()
		defer s.Close()
		hold(b, func(a string) (net.Conn, error) { return Dial("tcp", a) }, func(c net.Conn) {
			s.Go(func(ctx context.Context) error { _, err := c.Read(make([]byte, 1)); return err })
		})
	})
}
