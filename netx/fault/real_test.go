package fault_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
	"github.com/coop-go/coop/netx"
	"github.com/coop-go/coop/netx/fault"
)

// The tests here put toxics on real loopback conns: each listens on a port
// of its own and injects on that port only, so that they do not meet. The
// servers are package net's (toxics act on netx's conns, the clients).

// server listens on loopback and runs serve for each conn it accepts, on a
// goroutine, until the test ends; it returns the address and its port
// target (":port").
func server(t *testing.T, serve func(c net.Conn)) (addr, target string) {
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
			go func() {
				defer wg.Done()
				serve(c)
			}()
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
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return l.Addr().String(), ":" + port
}

func echo(c net.Conn) {
	io.Copy(c, c)
	c.Close()
}

// inject injects toxics on target until the test ends.
func inject(t *testing.T, target string, toxics ...fault.Toxic) {
	t.Helper()
	t.Cleanup(fault.Inject(target, toxics...))
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := netx.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// guard makes a hang fail the test instead of stalling it: a deadline on
// c, far beyond what any toxic here takes.
func guard(c net.Conn) { c.SetDeadline(time.Now().Add(60 * time.Second)) }

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// effects returns the Effects of the events of kind that moved bytes.
func effects(log *ioxtest.Recorder, kind iox.OpKind) []fault.Effect {
	var out []fault.Effect
	for _, e := range log.Of(kind) {
		if eff, ok := e.Detail.(fault.Effect); ok && e.Bytes > 0 {
			out = append(out, eff)
		}
	}
	return out
}

// Latency: over 1,000 round trips, the delay the toxic added to each read
// (reported in its event, as the toxic's, not the server's) has a median
// within 5% of d, and is never below d. Every byte comes back as sent.
func TestRealLatency(t *testing.T) {
	const d = 100 * time.Millisecond
	const conns, trips = 40, 25
	addr, target := server(t, echo)
	inject(t, target, fault.Latency(d, 0).Downstream())
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	tasks := make([]*iox.Task, conns)
	for i := range tasks {
		tasks[i] = s.Go(func(ctx context.Context) error {
			c, err := netx.Dial("tcp", addr)
			if err != nil {
				return err
			}
			defer c.Close()
			guard(c)
			msg := randomBytes(uint64(i), 64)
			got := make([]byte, len(msg))
			for range trips {
				if _, err := c.Write(msg); err != nil {
					return err
				}
				if _, err := io.ReadFull(c, got); err != nil {
					return err
				}
				if !bytes.Equal(got, msg) {
					return errors.New("the bytes that came back are not those sent")
				}
			}
			return nil
		})
	}
	for _, tk := range tasks {
		if err := tk.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	var delays []time.Duration
	for _, eff := range effects(log, iox.OpRead) {
		if !slices.Contains(eff.Toxics, "latency_downstream") {
			t.Fatalf("effect %v does not name the toxic", eff)
		}
		delays = append(delays, eff.Delay)
	}
	if len(delays) < conns*trips {
		t.Fatalf("%d reads reported a toxic's delay, want at least %d", len(delays), conns*trips)
	}
	slices.Sort(delays)
	p50 := delays[len(delays)/2]
	t.Logf("latency %v: %d reads, added delay min %v p50 %v max %v", d, len(delays), delays[0], p50, delays[len(delays)-1])
	if delays[0] < d {
		t.Errorf("a read was delayed %v, less than the toxic's %v", delays[0], d)
	}
	if p50 < d || p50 > d+d/20 {
		t.Errorf("median added delay %v, want within 5%% of %v", p50, d)
	}
}

// Bandwidth: 10 MiB through a 1 MiB/s toxic take 10 s, within 5%, and
// arrive intact.
func TestRealBandwidth(t *testing.T) {
	const rate = 1 << 20
	size := 10 << 20
	if testing.Short() {
		size = 2 << 20
	}
	data := randomBytes(1, size)
	addr, target := server(t, func(c net.Conn) {
		c.Write(data)
		c.Close()
	})
	inject(t, target, fault.Bandwidth(rate).Downstream())
	c := dial(t, addr)
	guard(c)
	start := time.Now()
	h := sha256.New()
	n, err := io.Copy(h, c)
	elapsed := time.Since(start)
	if err != nil || n != int64(size) {
		t.Fatalf("read %d bytes, %v; want %d", n, err, size)
	}
	if !bytes.Equal(h.Sum(nil), sha256sum(data)) {
		t.Fatal("the bytes received are not those sent")
	}
	got := float64(n) / elapsed.Seconds()
	t.Logf("%d bytes in %v: %.0f B/s (toxic %d B/s)", n, elapsed, got, rate)
	if got < rate*0.95 || got > rate*1.05 {
		t.Errorf("rate %.0f B/s, want within 5%% of %d", got, rate)
	}
}

func sha256sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// Slicer: the client reads the server's bytes in pieces of at most
// avg+jitter, one a read, in order.
func TestRealSlicer(t *testing.T) {
	const avg, jitter = 100, 20
	data := randomBytes(2, 64<<10)
	addr, target := server(t, func(c net.Conn) {
		c.Write(data)
		c.Close()
	})
	inject(t, target, fault.Slicer(avg, jitter, 0).Downstream())
	c := dial(t, addr)
	guard(c)
	var got []byte
	buf := make([]byte, 4096)
	reads := 0
	for {
		n, err := c.Read(buf)
		if n > avg+jitter {
			t.Fatalf("a read returned %d bytes, more than a slice (%d±%d)", n, avg, jitter)
		}
		got = append(got, buf[:n]...)
		if n > 0 {
			reads++
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("received %d bytes not those sent (%d)", len(got), len(data))
	}
	if reads < len(data)/(avg+jitter) {
		t.Fatalf("%d reads, want at least %d", reads, len(data)/(avg+jitter))
	}
	t.Logf("%d bytes in %d reads", len(data), reads)
}

// LimitData: the other end receives exactly n bytes, then EOF, in both
// directions.
func TestRealLimitData(t *testing.T) {
	const limit = 1000
	data := randomBytes(3, 5000)
	t.Run("downstream", func(t *testing.T) {
		addr, target := server(t, func(c net.Conn) {
			c.Write(data)
			io.Copy(io.Discard, c)
			c.Close()
		})
		inject(t, target, fault.LimitData(limit).Downstream())
		c := dial(t, addr)
		guard(c)
		got, err := io.ReadAll(c)
		if err != nil || !bytes.Equal(got, data[:limit]) {
			t.Fatalf("read %d bytes (%v), want exactly the first %d, then EOF", len(got), err, limit)
		}
	})
	t.Run("upstream", func(t *testing.T) {
		received := make(chan []byte, 1)
		addr, target := server(t, func(c net.Conn) {
			c.SetDeadline(time.Now().Add(60 * time.Second))
			b, _ := io.ReadAll(c)
			received <- b
			c.Close()
		})
		inject(t, target, fault.LimitData(limit).Upstream())
		c := dial(t, addr)
		var werr error
		for off := 0; off < len(data) && werr == nil; off += 500 {
			_, werr = c.Write(data[off : off+500])
		}
		if got := <-received; !bytes.Equal(got, data[:limit]) {
			t.Fatalf("the server received %d bytes, want exactly the first %d, then EOF", len(got), limit)
		}
		if werr == nil {
			_, werr = c.Write(data[:1])
		}
		if !errors.Is(werr, syscall.EPIPE) {
			t.Fatalf("a write past the limit: %v, want a broken pipe", werr)
		}
	})
}

// Reset: the client's read fails with ECONNRESET, and so does the
// server's: the conn was reset, not closed.
func TestRealReset(t *testing.T) {
	serverErr := make(chan error, 1)
	addr, target := server(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(60 * time.Second))
		c.Write([]byte("hello"))
		_, err := io.ReadAll(c)
		serverErr <- err
		c.Close()
	})
	inject(t, target, fault.Reset(0).Downstream())
	c := dial(t, addr)
	guard(c)
	n, err := c.Read(make([]byte, 16))
	if n != 0 || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read %d bytes, %v; want ECONNRESET", n, err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Fatalf("%T %v, want a *net.OpError", err, err)
	}
	if err := <-serverErr; !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the server's read: %v, want ECONNRESET", err)
	}
}

// Timeout: nothing gets through, and the conn closes d after the toxic
// took effect: the read returns EOF, not the server's bytes, no sooner.
func TestRealTimeout(t *testing.T) {
	const d = 200 * time.Millisecond
	addr, target := server(t, echo)
	c := dial(t, addr)
	guard(c)
	start := time.Now()
	inject(t, target, fault.Timeout(d).Downstream())
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	n, err := c.Read(make([]byte, 16))
	elapsed := time.Since(start)
	if n != 0 || err != io.EOF {
		t.Fatalf("read %d bytes, %v; want 0, EOF", n, err)
	}
	if elapsed < d {
		t.Fatalf("closed after %v, before the toxic's %v", elapsed, d)
	}
	t.Logf("stalled, then closed after %v (toxic %v)", elapsed, d)
}

// Refuse: a dial fails as if nothing listened, with a *net.OpError that
// matches ECONNREFUSED; removed, the dial succeeds.
func TestRealRefuse(t *testing.T) {
	addr, target := server(t, echo)
	remove := fault.Inject(target, fault.Refuse())
	_, err := netx.Dial("tcp", addr)
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" || !errors.Is(err, syscall.ECONNREFUSED) {
		remove()
		t.Fatalf("dial: %T %v; want a *net.OpError, connection refused", err, err)
	}
	remove()
	c, err := netx.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial after the toxic was removed: %v", err)
	}
	c.Close()
}

// countingConn counts the datagrams its socket gave, and tells each.
type countingConn struct {
	*net.UDPConn
	n    atomic.Int64
	read chan struct{}
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.UDPConn.Read(b)
	if n > 0 {
		c.n.Add(1)
		c.read <- struct{}{}
	}
	return n, err
}

// Drop: of 10,000 datagrams that reach the client's socket, about p are
// lost (within 5 standard deviations), and the others arrive intact and
// in order.
func TestRealDrop(t *testing.T) {
	const total, p = 10000, 0.3
	snd, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close()
	raw, err := net.DialUDP("udp", nil, snd.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	cc := &countingConn{UDPConn: raw, read: make(chan struct{}, 1)}
	rcv := netx.Wrap(cc)
	defer rcv.Close()
	_, port, _ := net.SplitHostPort(snd.LocalAddr().String())
	inject(t, ":"+port, fault.Drop(p).Downstream())

	got := make(chan []uint32, 1)
	go func() {
		var seqs []uint32
		buf := make([]byte, 64)
		for {
			n, err := rcv.Read(buf)
			if err != nil {
				got <- seqs
				return
			}
			if n != 12 || binary.BigEndian.Uint32(buf[4:]) != ^binary.BigEndian.Uint32(buf) {
				seqs = append(seqs, ^uint32(0)) // damaged
				continue
			}
			seqs = append(seqs, binary.BigEndian.Uint32(buf))
		}
	}()
	msg := make([]byte, 12)
	to := raw.LocalAddr()
	for i := range uint32(total) {
		binary.BigEndian.PutUint32(msg, i)
		binary.BigEndian.PutUint32(msg[4:], ^i)
		if _, err := snd.WriteTo(msg, to); err != nil {
			t.Fatal(err)
		}
		<-cc.read // one datagram in flight at a time: the kernel loses none
	}
	rcv.SetReadDeadline(time.Now()) // the reader delivers what it holds, then stops
	seqs := <-got
	if n := cc.n.Load(); n != total {
		t.Fatalf("the socket gave %d datagrams, want %d", n, total)
	}
	if !slices.IsSorted(seqs) || slices.Contains(seqs, ^uint32(0)) {
		t.Fatal("the datagrams delivered are damaged or out of order")
	}
	lost := total - len(seqs)
	mean, sd := p*total, 45.8 // sqrt(total*p*(1-p))
	t.Logf("lost %d of %d datagrams (p = %v)", lost, total, p)
	if float64(lost) < mean-5*sd || float64(lost) > mean+5*sd {
		t.Fatalf("lost %d of %d datagrams, want about %v", lost, total, mean)
	}
}

// Toxics injected and removed, again and again, while 100 conns stream:
// every conn receives exactly the bytes it sent, none lost, duplicated or
// reordered.
func TestRealInjectRemoveWhileStreaming(t *testing.T) {
	const conns = 100
	size := 256 << 10
	if testing.Short() {
		size = 64 << 10
	}
	addr, target := server(t, echo)
	progress := make(chan struct{}, 1)
	stop := make(chan struct{})
	toggles := make(chan int, 1)
	go func() { // inject and remove at every sign of progress
		chains := [][]fault.Toxic{
			{fault.Latency(time.Millisecond, time.Millisecond)},
			{fault.Slicer(700, 300, 0).Downstream(), fault.Latency(0, 2*time.Millisecond).Upstream()},
			{fault.Bandwidth(64 << 20), fault.Slicer(1500, 1000, 10*time.Microsecond)},
		}
		n := 0
		for {
			select {
			case <-stop:
				toggles <- n
				return
			case <-progress:
			}
			remove := fault.Inject(target, chains[n%len(chains)]...)
			select {
			case <-stop:
				remove()
				toggles <- n
				return
			case <-progress:
			}
			remove()
			n++
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- stream(addr, randomBytes(uint64(100+i), size), progress)
		}()
	}
	wg.Wait()
	close(stop)
	n := <-toggles
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d conns of %d bytes each way; the toxics were injected and removed %d times", conns, size, n)
	if n < 3 {
		t.Fatalf("the toxics were injected and removed %d times, want many", n)
	}
}

// stream writes data to an echo server at addr while it reads it back,
// in chunks of varied sizes, and checks what comes back; it pokes
// progress as bytes come back.
func stream(addr string, data []byte, progress chan<- struct{}) error {
	c, err := netx.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	guard(c)
	werr := make(chan error, 1)
	go func() {
		r := rand.New(rand.NewPCG(uint64(len(data)), 7))
		for off := 0; off < len(data); {
			n := min(1+r.IntN(8192), len(data)-off)
			if _, err := c.Write(data[off : off+n]); err != nil {
				werr <- err
				return
			}
			off += n
		}
		werr <- nil
	}()
	got := make([]byte, 0, len(data))
	buf := make([]byte, 3000)
	next := 16 << 10
	for len(got) < len(data) {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			<-werr
			return err
		}
		if len(got) >= next {
			next += 16 << 10
			select {
			case progress <- struct{}{}:
			default:
			}
		}
	}
	if err := <-werr; err != nil {
		return err
	}
	if !bytes.Equal(got, data) {
		i := 0
		for i < len(got) && got[i] == data[i] {
			i++
		}
		return errors.New("the bytes that came back differ from those sent at offset " + strconv.Itoa(i))
	}
	return nil
}

// A kill and a scope cut short a read a toxic delays, at once.
func TestRealKillAndScopeCutDelayedRead(t *testing.T) {
	addr, target := server(t, echo)
	inject(t, target, fault.Latency(time.Hour, 0).Downstream())
	s := iox.New()
	defer s.Close()
	reason := errors.New("enough")
	task := s.Go(func(ctx context.Context) error {
		c, err := netx.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("ping")); err != nil {
			return err
		}
		_, err = c.Read(make([]byte, 4))
		return err
	})
	ioxtest.WaitBlocked(t, s, task, iox.OpRead)
	start := time.Now()
	task.Kill(reason)
	err := task.Wait()
	took := time.Since(start)
	if !errors.Is(err, iox.ErrKilled) && !errors.Is(err, reason) {
		t.Fatalf("killed task: %v, want the kill", err)
	}
	t.Logf("the kill cut the delayed read in %v", took)
	if took > 10*time.Second {
		t.Fatalf("the kill took %v to cut the read", took)
	}

	const d = 50 * time.Millisecond
	task = s.Go(func(ctx context.Context) error {
		c, err := netx.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("ping")); err != nil {
			return err
		}
		return iox.Timeout(d, func() error {
			_, err := c.Read(make([]byte, 4))
			return err
		})
	})
	start = time.Now()
	err = task.Wait()
	took = time.Since(start)
	if !errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("scoped read: %v, want the scope's timeout", err)
	}
	t.Logf("a %v scope cut the delayed read after %v", d, took)
	if took > 10*time.Second {
		t.Fatalf("the scope took %v to cut the read", took)
	}
}

// SlowClose: the program's Close returns at once, and the server reads
// every byte sent, then EOF, no sooner than d after the close.
func TestRealSlowClose(t *testing.T) {
	const d = 100 * time.Millisecond
	type result struct {
		data []byte
		at   time.Time
	}
	done := make(chan result, 1)
	addr, target := server(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(60 * time.Second))
		b, _ := io.ReadAll(c)
		done <- result{b, time.Now()}
		c.Close()
	})
	inject(t, target, fault.SlowClose(d).Upstream())
	c, err := netx.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	data := randomBytes(4, 10000)
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	closed := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if !bytes.Equal(r.data, data) {
		t.Fatalf("the server read %d bytes, not the %d sent", len(r.data), len(data))
	}
	if wait := r.at.Sub(closed); wait < d {
		t.Fatalf("the server saw the close %v after it, before the toxic's %v", wait, d)
	} else {
		t.Logf("the server saw the close %v after it (toxic %v)", wait, d)
	}
}
