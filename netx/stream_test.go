package netx

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// A stream is sent and received through timeout scopes and kills that cut
// Reads and Writes short at random moments. Every interrupted call reports
// the bytes it moved, and the sender resumes from there: the receiver must
// get exactly the bytes the sender's calls say they sent, in order, with
// nothing lost and nothing twice.
func TestStreamSurvivesInterruptions(t *testing.T) {
	const wantMidway = 1000 // calls cut short after they moved some bytes
	// Socket buffers small enough that writes block, large enough (over
	// two loopback segments) that window updates do not stall.
	a, b := tcpPair(t)
	a.SetWriteBuffer(128 << 10)
	rc := Wrap(b).(*TCPConn)
	rc.SetReadBuffer(256 << 10)
	// The stream repeats a random block whose length is prime, so a slip
	// of the stream by any amount shows in the checksum.
	block := make([]byte, 1_000_003)
	fill := rand.New(rand.NewPCG(9, 9))
	for i := range block {
		block[i] = byte(fill.Uint32())
	}

	var interruptions, midway atomic.Int64
	note := func(n int, err error) {
		if err == nil {
			return
		}
		if !errors.Is(err, iox.ErrTimeout) && !errors.Is(err, iox.ErrKilled) {
			t.Errorf("a call ended with %v", err)
		}
		interruptions.Add(1)
		if n > 0 {
			midway.Add(1)
		}
	}

	s := iox.New()
	defer s.Close()
	sent := sha256.New()
	var sentN int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer a.CloseWrite()
		rng := rand.New(rand.NewPCG(3, 4))
		var pending []byte
		for midway.Load() < wantMidway || sentN < 4<<20 {
			if len(pending) == 0 {
				off := int(sentN % int64(len(block)))
				pending = block[off:min(len(block), off+rng.IntN(512<<10)+1)]
			}
			var n int
			var err error
			if rng.IntN(8) == 0 {
				// In a task that is killed while it writes.
				tk := s.Go(func(ctx context.Context) error {
					var err error
					n, err = a.Write(pending)
					return err
				})
				for i := rng.IntN(100); i > 0 && !isDone(tk); i-- {
					iox.Yield()
				}
				tk.Kill(errReason)
				err = tk.Wait()
			} else {
				err = iox.Timeout(time.Duration(20+rng.IntN(200))*time.Microsecond, func() error {
					var err error
					n, err = a.Write(pending)
					return err
				})
			}
			sent.Write(pending[:n])
			sentN += int64(n)
			pending = pending[n:]
			note(n, err)
			if ctxErr := t.Context().Err(); ctxErr != nil {
				return
			}
		}
		for len(pending) > 0 { // finish the last chunk without interruptions
			n, err := a.Write(pending)
			sent.Write(pending[:n])
			sentN += int64(n)
			pending = pending[n:]
			if err != nil {
				t.Errorf("final write: %v", err)
				return
			}
		}
	}()

	// The receiver reads small pieces, so the sender keeps blocking, under
	// scopes of its own.
	got := sha256.New()
	var gotN int64
	rng := rand.New(rand.NewPCG(5, 6))
	buf := make([]byte, 16<<10)
	for {
		var n int
		err := iox.Timeout(time.Duration(20+rng.IntN(200))*time.Microsecond, func() error {
			var err error
			n, err = rc.Read(buf[:rng.IntN(len(buf))+1])
			return err
		})
		got.Write(buf[:n])
		gotN += int64(n)
		if err == io.EOF {
			break
		}
		note(n, err)
	}
	<-done
	if gotN != sentN || string(got.Sum(nil)) != string(sent.Sum(nil)) {
		t.Fatalf("received %d bytes (sha %x), the sender's calls reported %d (sha %x)", gotN, got.Sum(nil), sentN, sent.Sum(nil))
	}
	if midway.Load() < wantMidway {
		t.Fatalf("only %d calls cut short midway (%d interruptions)", midway.Load(), interruptions.Load())
	}
	t.Logf("%d bytes through %d interruptions, %d of them after moving some bytes", sentN, interruptions.Load(), midway.Load())
}

func isDone(t *iox.Task) bool {
	select {
	case <-t.Done():
		return true
	default:
		return false
	}
}
