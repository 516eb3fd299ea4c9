package netx

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// Two tasks wait on one listener, or one UDP socket; one of them is
// killed, or its scope expires, at a random moment. The interruption moves
// the deadline the two share, and must reach only its own caller: the
// other keeps waiting and gets the next conn or datagram, with no error.
// 500 rounds of each.
func TestSharedWaitersAreNotCut(t *testing.T) {
	seed := stressSeed(t)
	t.Logf("seed %d (COOP_SEED=%d go test -run %s ./netx replays it)", seed, seed, t.Name())
	rounds := 500
	if testing.Short() {
		rounds = 100
	}
	s := iox.New()
	defer s.Close()

	t.Run("listener", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(seed, 1))
		l, err := ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		for i := range rounds {
			var got net.Conn
			other := s.Go(func(ctx context.Context) error {
				c, err := l.Accept()
				got = c
				return err
			})
			scoped, scope := rng.IntN(2) == 0, time.Duration(rng.IntN(200))*time.Microsecond
			victim := s.Go(func(ctx context.Context) error {
				if scoped {
					return iox.Timeout(scope, func() error {
						_, err := l.Accept()
						return err
					})
				}
				_, err := l.Accept()
				return err
			})
			cutAtRandom(s, victim, rng)
			victim.Wait()
			// Now the other waiter must take the next conn.
			c, err := Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			if err := other.Wait(); err != nil {
				t.Fatalf("round %d (seed %d): the other Accept failed with %v", i, seed, err)
			}
			c.Close()
			got.Close()
		}
	})

	t.Run("udp", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(seed, 2))
		pc, err := ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		sender, err := net.DialUDP("udp", nil, pc.LocalAddr().(*net.UDPAddr))
		if err != nil {
			t.Fatal(err)
		}
		defer sender.Close()
		for i := range rounds {
			var n int
			other := s.Go(func(ctx context.Context) error {
				buf := make([]byte, 16)
				var err error
				n, _, err = pc.ReadFrom(buf)
				return err
			})
			scoped, scope := rng.IntN(2) == 0, time.Duration(rng.IntN(200))*time.Microsecond
			victim := s.Go(func(ctx context.Context) error {
				buf := make([]byte, 16)
				if scoped {
					return iox.Timeout(scope, func() error {
						_, _, err := pc.ReadFrom(buf)
						return err
					})
				}
				_, _, err := pc.ReadFrom(buf)
				return err
			})
			cutAtRandom(s, victim, rng)
			if err := victim.Wait(); err == nil {
				t.Fatalf("round %d: the victim read a datagram nobody sent", i)
			}
			if _, err := sender.Write([]byte("datagram")); err != nil {
				t.Fatal(err)
			}
			if err := other.Wait(); err != nil || n != len("datagram") {
				t.Fatalf("round %d (seed %d): the other ReadFrom = %d bytes, %v", i, seed, n, err)
			}
		}
	})
}

// cutAtRandom kills tk at a random moment, unless its scope cuts it.
func cutAtRandom(s *iox.Scheduler, tk *iox.Task, rng *rand.Rand) {
	if rng.IntN(2) == 0 {
		waitAnyBlocked(s, tk)
	}
	for i := rng.IntN(50); i > 0; i-- {
		runtime.Gosched()
	}
	tk.Kill(errReason)
}

// A deadline the user set on a conn or listener is the real one again as
// soon as a scope or a kill that moved it has ended: after each way a call
// can be cut (Read, Write, Accept, iox.Copy, io.Copy), under a scope and
// under a kill, the keeper's real deadline is exactly the user's, and a
// call then times out at the user's deadline with package net's error.
func TestUserDeadlinesSurviveCuts(t *testing.T) {
	s := iox.New()
	defer s.Close()
	user := time.Now().Add(time.Hour)
	type way struct {
		name string
		side func(a, b *TCPConn, l *TCPListener) *side
		set  func(a *TCPConn, l *TCPListener, t time.Time) error
		call func(a, b *TCPConn, l *TCPListener) error
	}
	big := make([]byte, 8<<20)
	ways := []way{
		{"Read", rdSide, setRead, func(a, b *TCPConn, _ *TCPListener) error { _, err := a.Read(make([]byte, 10)); return err }},
		{"Write", wrSide, setWrite, func(a, b *TCPConn, _ *TCPListener) error { _, err := a.Write(big); return err }},
		{"Accept", lSide, setListener, func(_, _ *TCPConn, l *TCPListener) error { _, err := l.Accept(); return err }},
		{"iox.Copy", rdSide, setRead, func(a, b *TCPConn, _ *TCPListener) error { _, err := iox.Copy(discard{}, a); return err }},
		{"io.Copy", rdSide, setRead, func(a, b *TCPConn, _ *TCPListener) error { _, err := io_Copy(b, a); return err }},
	}
	for _, w := range ways {
		for _, how := range []string{"scope", "kill"} {
			t.Run(w.name+"/"+how, func(t *testing.T) {
				l, err := ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				a, b := tcpPairOn(t, l)
				if err := w.set(a, l, user); err != nil {
					t.Fatal(err)
				}
				tk := s.Go(func(ctx context.Context) error {
					if how == "scope" {
						return iox.Timeout(20*time.Millisecond, func() error { return w.call(a, b, l) })
					}
					return w.call(a, b, l)
				})
				if how == "kill" {
					waitAnyBlocked(s, tk)
					tk.Kill(errReason)
				}
				err = tk.Wait()
				if how == "scope" && !errors.Is(err, iox.ErrTimeout) || how == "kill" && !errors.Is(err, errReason) {
					t.Fatalf("the cut call ended with %v", err)
				}
				k := w.side(a, b, l)
				if got := k.User(); !got.Equal(user) {
					t.Fatalf("after the %s: the user's deadline is %v, want %v", how, got, user)
				}
				if got := k.Real(); !got.Equal(user) {
					t.Fatalf("after the %s: the real deadline is %v, want the user's %v", how, got, user)
				}
			})
		}
	}
	// And the deadline then works as package net's: a Read times out at
	// it, with os.ErrDeadlineExceeded.
	a, _ := tcpPair(t)
	iox.Timeout(time.Millisecond, func() error { _, err := a.Read(make([]byte, 1)); return err })
	soon := time.Now().Add(30 * time.Millisecond)
	a.SetReadDeadline(soon)
	iox.Timeout(time.Millisecond, func() error { _, err := a.Read(make([]byte, 1)); return err })
	_, err := a.Read(make([]byte, 1))
	if !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("Read after the scopes = %v, want package net's deadline error", err)
	}
	if time.Now().Before(soon) {
		t.Fatal("the Read timed out before the user's deadline")
	}
}

func rdSide(a, _ *TCPConn, _ *TCPListener) *side { return &a.rd }
func wrSide(a, _ *TCPConn, _ *TCPListener) *side { return &a.wr }
func lSide(_, _ *TCPConn, l *TCPListener) *side  { return &l.dl }

func setRead(a *TCPConn, _ *TCPListener, t time.Time) error  { return a.SetReadDeadline(t) }
func setWrite(a *TCPConn, _ *TCPListener, t time.Time) error { return a.SetWriteDeadline(t) }
func setListener(_ *TCPConn, l *TCPListener, t time.Time) error {
	return l.SetDeadline(t)
}

// io_Copy is io.Copy into a conn that never reads, from a: a splice that
// blocks on its source.
func io_Copy(dst, src *TCPConn) (int64, error) { return src.WriteTo(dst) }

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// tcpPairOn dials l with netx and accepts with netx.
func tcpPairOn(t *testing.T, l *TCPListener) (a, b *TCPConn) {
	t.Helper()
	got := make(chan *TCPConn, 1)
	go func() {
		c, _ := l.AcceptTCP()
		got <- c
	}()
	c, err := DialTCP("tcp", nil, l.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	b = <-got
	t.Cleanup(func() { c.Close(); b.Close() })
	return c, b
}
