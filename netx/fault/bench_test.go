package fault_test

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
	"github.com/coop-go/coop/netx/fault"
)

// BenchmarkEcho64 is one 64-byte round trip from a task over netx to an
// echo server (package net's): with no toxic injected, and with one
// injected on another target, which this conn must not pay for beyond
// its check (see internal/faultnet); package net's for reference.
func BenchmarkEcho64(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	addr := l.Addr().String()
	roundTrips := func(b *testing.B, c net.Conn) error {
		msg, buf := make([]byte, 64), make([]byte, 64)
		b.ResetTimer()
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
		if err := roundTrips(b, c); err != nil {
			b.Fatal(err)
		}
	})
	for _, tc := range []struct {
		name   string
		toxics bool
	}{{"netx/toxics=none", false}, {"netx/toxics=other-target", true}} {
		b.Run("impl="+tc.name, func(b *testing.B) {
			if tc.toxics {
				defer fault.Inject("192.0.2.1:9", fault.Latency(1, 0))() // TEST-NET-1: no conn here goes there
			}
			s := iox.New()
			defer s.Close()
			err := s.Go(func(ctx context.Context) error {
				c, err := netx.Dial("tcp", addr)
				if err != nil {
					return err
				}
				defer c.Close()
				return roundTrips(b, c)
			}).Wait()
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
