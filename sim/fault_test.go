package sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
	"github.com/coop-go/coop/netx/fault"
)

// echoHost starts host name echoing every conn on port 7.
func echoHost(w *World, name string) {
	w.Host(name, func(ctx context.Context) error {
		l, err := netx.Listen("tcp", ":7")
		if err != nil {
			return err
		}
		for {
			c, err := l.Accept()
			if err != nil {
				return err
			}
			iox.Spawn(func(ctx context.Context) error { defer c.Close(); io.Copy(c, c); return nil })
		}
	})
}

// roundTrip writes b to c and reads its echo, and returns how long it took
// on the world's clock.
func roundTrip(t testing.TB, c net.Conn, b []byte) time.Duration {
	start := iox.Now()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(b))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b) {
		t.Fatalf("echo of %q is %q", b, got)
	}
	return iox.Now().Sub(start)
}

// A latency toxic in a world is exact in virtual time: each direction
// it names adds d, no more, no less; removed, round trips are instant
// again, and what it held arrives, in order.
func TestLatencyInAWorldIsExact(t *testing.T) {
	Test(t, 31, func(w *World) {
		echoHost(w, "db")
		c, err := dialRetry("db:7")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if d := roundTrip(t, c, []byte("before")); d != 0 {
			t.Errorf("a round trip with no toxic took %v of virtual time", d)
		}
		remove := w.Inject("main", "db", fault.Latency(50*time.Millisecond, 0))
		for i := range 5 {
			if d := roundTrip(t, c, []byte(fmt.Sprint("with ", i))); d != 100*time.Millisecond {
				t.Errorf("round trip %d under a 50ms latency both ways took %v, want exactly 100ms", i, d)
			}
		}
		up := w.Inject("main", "db", fault.Latency(30*time.Millisecond, 0).Upstream())
		if d := roundTrip(t, c, []byte("more")); d != 130*time.Millisecond {
			t.Errorf("round trip under 50ms both ways and 30ms upstream took %v, want exactly 130ms", d)
		}
		up()
		// A write in flight when the toxic goes arrives at once, in order.
		c.Write([]byte("held"))
		remove()
		got := make([]byte, 4)
		start := iox.Now()
		if _, err := io.ReadFull(c, got); err != nil || string(got) != "held" {
			t.Errorf("after removal read %q, %v; want the held bytes", got, err)
		}
		if d := iox.Now().Sub(start); d != 0 {
			t.Errorf("the held bytes took %v more after the toxic was removed", d)
		}
		if d := roundTrip(t, c, []byte("after")); d != 0 {
			t.Errorf("a round trip after removal took %v", d)
		}
		// New conns get the toxics in force at their dial.
		w.Inject("main", "db", fault.Latency(10*time.Millisecond, 0))
		c2, err := netx.Dial("tcp", "db:7")
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		if d := roundTrip(t, c2, []byte("new")); d != 20*time.Millisecond {
			t.Errorf("a new conn's round trip under 10ms took %v, want exactly 20ms", d)
		}
	})
}

// faultWorld streams a megabyte through toxics with jitter, a slicer and
// a bandwidth limit, and returns what the reads saw, with virtual times.
func faultWorld(t testing.TB, w *World) string {
	echoHost(w, "db")
	w.Inject("main", "db",
		fault.Latency(20*time.Millisecond, 15*time.Millisecond),
		fault.Slicer(700, 300, time.Millisecond).Downstream(),
		fault.Bandwidth(4<<20).Upstream())
	c, err := dialRetry("db:7")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const size = 1 << 20
	src := make([]byte, size)
	for i := range src {
		src[i] = byte(i * 7)
	}
	go func() { c.Write(src) }()
	var log bytes.Buffer
	h := sha256.New()
	buf := make([]byte, 32<<10)
	n := 0
	for n < size {
		k, err := c.Read(buf)
		if err != nil {
			t.Fatalf("read after %d bytes: %v", n, err)
		}
		h.Write(buf[:k])
		fmt.Fprintf(&log, "%v %d\n", iox.Now().Sub(Epoch), k)
		n += k
	}
	if got, want := h.Sum(nil), sha256.Sum256(src); !bytes.Equal(got, want[:]) {
		t.Errorf("the bytes that came back are not the bytes sent")
	}
	return log.String()
}

// Toxics with random parts (jitter, a slicer's sizes) are deterministic by
// seed, every byte arrives in order, and the seed matters.
func TestToxicsInAWorldAreDeterministic(t *testing.T) {
	var first string
	for range 3 {
		var log string
		Test(t, 32, func(w *World) { log = faultWorld(t, w) })
		if t.Failed() {
			return
		}
		if first == "" {
			first = log
		} else if log != first {
			t.Fatal("two runs of seed 32 read differently")
		}
	}
	var other string
	Test(t, 33, func(w *World) { other = faultWorld(t, w) })
	if other == first {
		t.Error("seeds 32 and 33 read the same pieces at the same times")
	}
}

// Refuse, LimitData and Reset between two hosts of a world, exact in
// virtual time.
func TestVerdictsInAWorld(t *testing.T) {
	Test(t, 34, func(w *World) {
		echoHost(w, "db")
		c, err := dialRetry("db:7")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		refuse := w.Inject("main", "db", fault.Refuse())
		if _, err := netx.Dial("tcp", "db:7"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("a dial under Refuse = %v, want connection refused", err)
		}
		refuse()
		// What db sends back passes for 10 bytes, then the conn closes.
		w.Inject("main", "db", fault.LimitData(10).Downstream())
		c.Write([]byte("0123456789abcdef"))
		got, err := io.ReadAll(c)
		if string(got) != "0123456789" || err != nil {
			t.Errorf("under LimitData(10) the echo is %q, %v; want the first 10 bytes then EOF", got, err)
		}
		c2, err := netx.Dial("tcp", "db:7")
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		// Reset arms when the first bytes reach it, and resets 5ms later.
		w.Inject("main", "db", fault.Reset(5*time.Millisecond))
		start := iox.Now()
		c2.Write([]byte("x"))
		if _, err := c2.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("a read under Reset = %v, want ECONNRESET", err)
		}
		if d := iox.Now().Sub(start); d != 5*time.Millisecond {
			t.Errorf("the reset came after %v, want exactly 5ms", d)
		}
	})
}

// datagramWorld sends 2,000 datagrams from main to host dns through a
// Drop(0.3) and a jittered latency, and returns which arrived, in the
// order they did, with their virtual times.
func datagramWorld(t testing.TB, w *World) (string, int) {
	const sent = 2000
	got := make(chan string, 1)
	w.Host("dns", func(ctx context.Context) error {
		c, err := netx.ListenPacket("udp", ":53")
		if err != nil {
			return err
		}
		defer c.Close()
		var log bytes.Buffer
		buf := make([]byte, 64)
		for {
			c.SetReadDeadline(iox.Now().Add(time.Second))
			n, _, err := c.ReadFrom(buf)
			if err != nil {
				got <- log.String()
				return nil
			}
			fmt.Fprintf(&log, "%v %s\n", iox.Now().Sub(Epoch), buf[:n])
		}
	})
	iox.Sleep(time.Millisecond) // dns binds
	w.Inject("main", "dns", fault.Drop(0.3), fault.Latency(10*time.Millisecond, 5*time.Millisecond))
	c, err := netx.Dial("udp", "dns:53")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range sent {
		fmt.Fprintf(c, "%d", i)
		if i%100 == 99 {
			iox.Sleep(time.Millisecond)
		}
	}
	log := <-got
	return log, bytes.Count([]byte(log), []byte("\n"))
}

// Drop loses about p of the datagrams, latency with jitter delays (and
// reorders) the rest, and both are the same in every run of a seed.
func TestDatagramToxicsInAWorld(t *testing.T) {
	var first string
	for i := range 2 {
		var log string
		var n int
		Test(t, 35, func(w *World) { log, n = datagramWorld(t, w) })
		if t.Failed() {
			return
		}
		if i == 0 {
			first = log
			if n < 1200 || n > 1600 {
				t.Errorf("%d of 2000 datagrams arrived under Drop(0.3), want about 1400", n)
			}
			t.Logf("%d of 2000 arrived", n)
		} else if log != first {
			t.Error("two runs of seed 35 delivered different datagrams or at different times")
		}
	}
}
