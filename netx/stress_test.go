package netx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// stressSeed is the seed of the stress tests: COOP_SEED if set, else new
// each run. The test logs it; COOP_SEED=N replays a failing run.
func stressSeed(t *testing.T) uint64 {
	if s := os.Getenv("COOP_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("COOP_SEED=%q: %v", s, err)
		}
		return n
	}
	return rand.Uint64()
}

// stream is the bytes a round sends: a prefix of a fixed random block, so
// any slip shows as a mismatch at the byte where it happened.
var stream = func() []byte {
	b := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

// stressPairs hands out loopback TCP pairs from one listener: a is dialed
// with netx, b accepted with netx.
type stressPairs struct {
	l *TCPListener
}

func newStressPairs(t *testing.T) *stressPairs {
	l, err := ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &stressPairs{l: l}
}

func (p *stressPairs) pair(t *testing.T) (a, b *TCPConn) {
	t.Helper()
	got := make(chan *TCPConn, 1)
	go func() {
		c, err := p.l.AcceptTCP()
		if err != nil {
			got <- nil
			return
		}
		got <- c
	}()
	c, err := DialTCP("tcp", nil, p.l.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	b = <-got
	if b == nil {
		t.Fatal("accept failed")
	}
	// Small enough that writes block and copies take several rounds of
	// the kernel, large enough (over two loopback segments of 64KB) that
	// window updates do not stall.
	for _, x := range []*TCPConn{c, b} {
		x.SetReadBuffer(256 << 10)
		x.SetWriteBuffer(128 << 10)
	}
	return c, b
}

// cut runs do in a task and cuts it short at a random moment: a kill, or
// a timeout scope around do, sometimes once the task is blocked in a call
// and sometimes at whatever point it has reached. It returns do's error.
func cut(s *iox.Scheduler, rng *rand.Rand, do func() error) error {
	scoped := rng.IntN(2) == 0
	scope := time.Duration(rng.IntN(300)) * time.Microsecond
	tk := s.Go(func(ctx context.Context) error {
		if scoped {
			return iox.Timeout(scope, do)
		}
		return do()
	})
	if !scoped {
		if rng.IntN(2) == 0 {
			waitAnyBlocked(s, tk)
		}
		for i := rng.IntN(50); i > 0 && !isDone(tk); i-- {
			runtime.Gosched()
		}
		tk.Kill(errReason)
	}
	return tk.Wait()
}

// waitAnyBlocked waits until tk is blocked in a call or has ended.
func waitAnyBlocked(s *iox.Scheduler, tk *iox.Task) {
	for !isDone(tk) {
		if st, ok := s.Snapshot().Task(tk.ID()); ok && st.State == iox.Blocked {
			return
		}
		runtime.Gosched()
	}
}

// interrupted reports whether err is what a call cut short by cut returns.
func interrupted(err error) bool {
	return err == nil || errors.Is(err, iox.ErrKilled) || errors.Is(err, iox.ErrTimeout)
}

// drain reads c to EOF with no interruption.
func drain(c net.Conn) ([]byte, error) {
	var buf bytes.Buffer
	_, err := io.Copy(&buf, struct{ io.Reader }{c})
	return buf.Bytes(), err
}

// checkSplit checks a copy of total bytes of stream that was cut after
// moving n: the destination got exactly stream[:n], and the source still
// had exactly stream[n:total].
func checkSplit(got, left []byte, n int64, total int) error {
	if int64(len(got)) != n || !bytes.Equal(got, stream[:len(got)]) {
		return fmt.Errorf("the destination got %d bytes (intact: %v), the copy reported %d", len(got), bytes.Equal(got, stream[:min(len(got), total)]), n)
	}
	if len(got)+len(left) != total || !bytes.Equal(left, stream[len(got):total]) {
		return fmt.Errorf("the source had %d bytes left after %d copied, want %d (intact: %v)", len(left), len(got), total-len(got), bytes.Equal(left, stream[len(got):min(total, len(got)+len(left))]))
	}
	return nil
}

// The ways bytes move through netx, each cut short at random moments by
// kills and scope expiries: 150 rounds each under the seed (30 with
// -short), COOP_STRESS_ROUNDS each if set (.ci/run sets 1000). Every round checks that what the receiver got is exactly the
// prefix the sender's calls reported, and that what a copy took from its
// source is exactly what its destination got: no byte lost, duplicated or
// skipped.
func TestStreamingSurvivesCuts(t *testing.T) {
	seed := stressSeed(t)
	t.Logf("seed %d (COOP_SEED=%d go test -run %s ./netx replays it)", seed, seed, t.Name())
	rounds := 150
	if testing.Short() {
		rounds = 30
	}
	if s := os.Getenv("COOP_STRESS_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("COOP_STRESS_ROUNDS=%q: want a positive number", s)
		}
		rounds = n
	}
	pairs := newStressPairs(t)
	s := iox.New()
	defer s.Close()
	ways := []struct {
		name  string
		round func(t *testing.T, rng *rand.Rand) error
	}{
		// Write and Read with random sizes, both sides cut.
		{"read-write", func(t *testing.T, rng *rand.Rand) error {
			a, b := pairs.pair(t)
			defer a.Close()
			defer b.Close()
			total := 64<<10 + rng.IntN(900<<10)
			var sent int
			var werr error
			var wg sync.WaitGroup
			wg.Add(1)
			wrng := rand.New(rand.NewPCG(rng.Uint64(), 1))
			go func() {
				defer wg.Done()
				for sent < total {
					chunk := stream[sent:min(total, sent+1+wrng.IntN(64<<10))]
					var n int
					err := cut(s, wrng, func() error { var err error; n, err = a.Write(chunk); return err })
					sent += n
					if !interrupted(err) {
						werr = err
						return
					}
				}
				a.CloseWrite()
			}()
			var got []byte
			buf := make([]byte, 64<<10)
			for {
				var n int
				var err error
				size := 1 + rng.IntN(len(buf))
				cerr := cut(s, rng, func() error { n, err = b.Read(buf[:size]); return err })
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if !interrupted(cerr) {
					return cerr
				}
			}
			wg.Wait()
			if werr != nil {
				return werr
			}
			if len(got) != sent || !bytes.Equal(got, stream[:sent]) {
				return fmt.Errorf("received %d bytes, the writes reported %d (intact: %v)", len(got), sent, bytes.Equal(got, stream[:min(sent, len(got))]))
			}
			return nil
		}},
		// io.ReadFull of random sizes, cut, against a plain writer.
		{"readfull", func(t *testing.T, rng *rand.Rand) error {
			a, b := pairs.pair(t)
			defer a.Close()
			defer b.Close()
			total := 64<<10 + rng.IntN(900<<10)
			go func() { a.Write(stream[:total]); a.CloseWrite() }()
			var got []byte
			buf := make([]byte, 64<<10)
			for {
				var n int
				var err error
				size := 1 + rng.IntN(len(buf))
				cut(s, rng, func() error { n, err = io.ReadFull(b, buf[:size]); return err })
				got = append(got, buf[:n]...)
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					break
				}
			}
			if len(got) != total || !bytes.Equal(got, stream[:total]) {
				return fmt.Errorf("ReadFull got %d bytes of %d (intact: %v)", len(got), total, bytes.Equal(got, stream[:min(total, len(got))]))
			}
			return nil
		}},
		// The kernel's splice, through WriteTo, ReadFrom and io.Copy.
		{"writeto", func(t *testing.T, rng *rand.Rand) error {
			return copyRound(t, pairs, s, rng, func(dst, src *TCPConn) (int64, error) { return src.WriteTo(dst) })
		}},
		{"readfrom", func(t *testing.T, rng *rand.Rand) error {
			return copyRound(t, pairs, s, rng, func(dst, src *TCPConn) (int64, error) { return dst.ReadFrom(src) })
		}},
		{"io.Copy", func(t *testing.T, rng *rand.Rand) error {
			return copyRound(t, pairs, s, rng, func(dst, src *TCPConn) (int64, error) { return io.Copy(dst, src) })
		}},
		// iox.Copy into and out of memory.
		{"iox.Copy to a buffer", func(t *testing.T, rng *rand.Rand) error {
			a, b := pairs.pair(t)
			defer a.Close()
			defer b.Close()
			total := 64<<10 + rng.IntN(900<<10)
			go func() { a.Write(stream[:total]); a.CloseWrite() }()
			var buf bytes.Buffer
			var n int64
			err := cut(s, rng, func() error { var err error; n, err = iox.Copy(&buf, b); return err })
			if !interrupted(err) {
				return err
			}
			left, err := drain(b)
			if err != nil {
				return err
			}
			return checkSplit(buf.Bytes(), left, n, total)
		}},
		{"iox.Copy from a buffer", func(t *testing.T, rng *rand.Rand) error {
			a, b := pairs.pair(t)
			defer a.Close()
			defer b.Close()
			total := 64<<10 + rng.IntN(900<<10)
			src := bytes.NewReader(stream[:total])
			got := make(chan []byte, 1)
			go func() { g, _ := drain(b); got <- g }()
			var n int64
			err := cut(s, rng, func() error { var err error; n, err = iox.Copy(a, src); return err })
			if !interrupted(err) {
				return err
			}
			a.CloseWrite()
			left := stream[total-src.Len() : total]
			return checkSplit(<-got, left, n, total)
		}},
	}
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, uint64(len(w.name))))
			for i := range rounds {
				if err := w.round(t, rng); err != nil {
					t.Fatalf("round %d (seed %d): %v", i, seed, err)
				}
			}
		})
	}
}

// copyRound copies a random length of stream from one netx conn to another
// with copy, cut at a random moment, and checks the split.
func copyRound(t *testing.T, pairs *stressPairs, s *iox.Scheduler, rng *rand.Rand, copy func(dst, src *TCPConn) (int64, error)) error {
	srcPeer, src := pairs.pair(t)
	dst, dstPeer := pairs.pair(t)
	defer srcPeer.Close()
	defer src.Close()
	defer dst.Close()
	defer dstPeer.Close()
	total := 64<<10 + rng.IntN(900<<10)
	go func() { srcPeer.Write(stream[:total]); srcPeer.CloseWrite() }()
	got := make(chan []byte, 1)
	go func() { g, _ := drain(dstPeer); got <- g }()
	var n int64
	err := cut(s, rng, func() error { var err error; n, err = copy(dst, src); return err })
	if !interrupted(err) {
		return err
	}
	dst.CloseWrite()
	left, err := drain(src)
	if err != nil {
		return err
	}
	return checkSplit(<-got, left, n, total)
}
