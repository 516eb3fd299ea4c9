package sim

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// BenchmarkEcho is one 64-byte round trip over a sim conn outside any
// world (the in-memory network ordinary tests can use), next to net.Pipe
// and loopback TCP; the echo side is a plain goroutine in each.
func BenchmarkEcho(b *testing.B) {
	pair := map[string]func(b *testing.B) (c, s net.Conn){
		"sim": func(b *testing.B) (net.Conn, net.Conn) {
			n := NewNetwork()
			l, err := n.Host("b").Listen("tcp", ":9")
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			acc := make(chan net.Conn, 1)
			go func() { c, _ := l.Accept(); acc <- c }()
			c, err := n.Host("a").DialContext(context.Background(), "tcp", "b:9")
			if err != nil {
				b.Fatal(err)
			}
			return c, <-acc
		},
		"net.Pipe": func(b *testing.B) (net.Conn, net.Conn) { return net.Pipe() },
		"tcp-loopback": func(b *testing.B) (net.Conn, net.Conn) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			acc := make(chan net.Conn, 1)
			go func() { c, _ := l.Accept(); acc <- c }()
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			return c, <-acc
		},
	}
	for _, name := range []string{"net.Pipe", "tcp-loopback", "sim"} {
		b.Run("impl="+name, func(b *testing.B) {
			c, s := pair[name](b)
			done := make(chan struct{})
			go func() { io.Copy(s, s); close(done) }()
			buf := make([]byte, 64)
			b.ReportAllocs()
			b.SetBytes(64)
			for b.Loop() {
				if _, err := c.Write(buf); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
			c.Close()
			<-done
			s.Close()
		})
	}
}

// TestWorldBenchmarks measures what a world costs, which a Benchmark
// cannot (a world is a testing/synctest bubble, and synctest.Test takes a
// *testing.T). It runs only with COOP_SIM_BENCH=1, and prints its figures
// as benchmark lines, which benchstat reads:
//
//	COOP_SIM_BENCH=1 go test ./sim -run '^TestWorldBenchmarks$' -count 6 -v | tee sim.txt; benchstat sim.txt
func TestWorldBenchmarks(t *testing.T) {
	if os.Getenv("COOP_SIM_BENCH") == "" {
		t.Skip("a benchmark: set COOP_SIM_BENCH=1")
	}
	report := func(name string, n int, d time.Duration, extra string) {
		fmt.Printf("BenchmarkWorld/%s \t%d\t%.1f ns/op%s\n", name, n, float64(d.Nanoseconds())/float64(n), extra)
	}
	// The turn hand-off: two tasks taking turns with Yield, each turn the
	// seed's choice after the world is quiet.
	const turns = 20000
	start := time.Now() // outside the world: the machine's clock
	Test(t, 1, func(w *World) {
		var g iox.Group
		for range 2 {
			g.Go(func(ctx context.Context) error {
				for range turns / 2 {
					iox.Yield()
				}
				return nil
			})
		}
		g.Wait()
	})
	report("op=hand-off", turns, time.Since(start), "")
	// A 64-byte echo round trip over a sim conn between two hosts.
	const trips = 5000
	start = time.Now()
	Test(t, 2, func(w *World) {
		w.Host("echo", func(ctx context.Context) error {
			l, err := netx.Listen("tcp", ":7")
			if err != nil {
				return err
			}
			c, err := l.Accept()
			if err != nil {
				return err
			}
			_, err = io.Copy(c, c)
			return err
		})
		c, err := dialRetry("echo:7")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		buf := make([]byte, 64)
		for range trips {
			c.Write(buf)
			if _, err := io.ReadFull(c, buf); err != nil {
				t.Fatal(err)
			}
		}
	})
	report("op=echo", trips, time.Since(start), "")
	// Virtual time: issue 12's world (an HTTP server, a line protocol,
	// twenty clients with timeouts, retries and sleeps), each of its
	// durations made 3600 times longer (Client.Timeout an hour, the slow
	// handler two), how many virtual seconds pass per second of the
	// machine's.
	var virtual time.Duration
	start = time.Now()
	Test(t, 3, func(w *World) {
		scaledWorld(t, w, 3600)
		virtual = iox.Now().Sub(Epoch)
	})
	wall := time.Since(start)
	report("op=hour-world", 1, wall, fmt.Sprintf("\t%.0f virtual-s\t%.0f virtual-s/wall-s", virtual.Seconds(), virtual.Seconds()/wall.Seconds()))
}
