package tlsx

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// tlsPair returns the two ends of a loopback TLS connection, handshaken:
// with crypto/tls over package net, or with tlsx on both ends.
func tlsPair(b *testing.B, swapped bool) (client, server net.Conn) {
	b.Helper()
	var l net.Listener
	var err error
	if swapped {
		l, err = Listen("tcp", "127.0.0.1:0", serverConfig())
	} else {
		l, err = tls.Listen("tcp", "127.0.0.1:0", serverConfig())
	}
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			if err = c.(*tls.Conn).Handshake(); err != nil {
				c.Close()
			}
		}
		if err != nil {
			c = nil
		}
		accepted <- c
	}()
	var c *tls.Conn
	if swapped {
		c, err = Dial("tcp", l.Addr().String(), clientConfig())
	} else {
		c, err = tls.Dial("tcp", l.Addr().String(), clientConfig())
	}
	if err != nil {
		b.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		b.Fatal("the server's handshake failed")
	}
	b.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}

// BenchmarkTLSBulk moves 64 MiB per op in 64 KiB writes over one TLS
// connection: crypto/tls over package net on goroutines, and tlsx (its
// conns over netx) with both ends in tasks, where every read and write is
// a blocking call.
func BenchmarkTLSBulk(b *testing.B) {
	const total, chunk = 64 << 20, 64 << 10
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
	b.Run("impl=crypto-tls", func(b *testing.B) {
		w, r := tlsPair(b, false)
		run(b, w, r, func(f func() error) error { return f() })
	})
	b.Run("impl=tlsx", func(b *testing.B) {
		w, r := tlsPair(b, true)
		s := iox.New()
		defer s.Close()
		run(b, w, r, func(f func() error) error {
			return s.Go(func(ctx context.Context) error { return f() }).Wait()
		})
	})
}

// BenchmarkTLSHandshake is one dial and handshake (and close) to a
// loopback TLS server: crypto/tls's Dial on a goroutine, and tlsx's Dial
// in a task, where the dial and the handshake are blocking calls (the
// whole loop runs in one task).
func BenchmarkTLSHandshake(b *testing.B) {
	run := func(b *testing.B, listen func() (net.Listener, error), dial func(addr string) (net.Conn, error), inTask func(func() error) error) {
		l, err := listen()
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.(*tls.Conn).Handshake()
				c.Close()
			}
		}()
		defer func() { l.Close(); <-done }()
		err = inTask(func() error {
			for range b.N {
				c, err := dial(l.Addr().String())
				if err != nil {
					return err
				}
				c.Close()
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Run("impl=crypto-tls", func(b *testing.B) {
		run(b, func() (net.Listener, error) { return tls.Listen("tcp", "127.0.0.1:0", serverConfig()) },
			func(addr string) (net.Conn, error) { return tls.Dial("tcp", addr, clientConfig()) },
			func(f func() error) error { return f() })
	})
	b.Run("impl=tlsx", func(b *testing.B) {
		s := iox.New()
		defer s.Close()
		run(b, func() (net.Listener, error) { return Listen("tcp", "127.0.0.1:0", serverConfig()) },
			func(addr string) (net.Conn, error) { return Dial("tcp", addr, clientConfig()) },
			func(f func() error) error {
				return s.Go(func(ctx context.Context) error { return f() }).Wait()
			})
	})
}

// BenchmarkKillHandshake measures how long a task blocked in a tlsx
// handshake (the server never answers) takes to end after Kill: the
// kill-ns/op metric, from the Kill call to the task's end.
func BenchmarkKillHandshake(b *testing.B) {
	addr := stallServer(b)
	s := iox.New()
	defer s.Close()
	var total time.Duration
	for range b.N {
		took, err := killWhileBlocked(b, s, iox.OpHandshake, func(ctx context.Context) error {
			_, err := Dial("tcp", addr, clientConfig())
			return err
		})
		if err == nil {
			b.Fatal("the killed handshake succeeded")
		}
		total += took
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "kill-ns/op")
}
