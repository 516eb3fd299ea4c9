package netx

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// Each call is reported with the remote address and the bytes it moved.
func TestEventsCarryAddressAndBytes(t *testing.T) {
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	server := s.Go(func(ctx context.Context) error { // one accept, then echo
		c, err := l.Accept()
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = io.Copy(c, c)
		return err
	})
	client := s.Go(func(ctx context.Context) error {
		c, err := Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("hello")); err != nil {
			return err
		}
		_, err = io.ReadFull(c, make([]byte, 5))
		return err
	})
	if err := client.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := server.Wait(); err != nil {
		t.Fatal(err)
	}
	if dials, accepts := log.Of(iox.OpDial), log.Of(iox.OpAccept); len(dials) != 1 || len(accepts) != 1 || accepts[0].Target != addr {
		t.Fatalf("%d dial and %d accept events (%+v), want one each, the accept on %s", len(dials), len(accepts), accepts, addr)
	}
	for _, tc := range []struct {
		kind  iox.OpKind
		bytes int
	}{{iox.OpDial, 0}, {iox.OpWrite, 5}, {iox.OpRead, 5}} {
		total, n := 0, 0
		for _, e := range log.Of(tc.kind) {
			if e.Task != client {
				continue // the server's side
			}
			n++
			if e.Target != addr || e.Err != nil {
				t.Fatalf("%v event = %+v, want target %s", tc.kind, e, addr)
			}
			total += e.Bytes
		}
		if n == 0 {
			t.Fatalf("no %v event of the client", tc.kind)
		}
		if total != tc.bytes {
			t.Fatalf("%v events moved %d bytes, want %d", tc.kind, total, tc.bytes)
		}
	}
}

// Snapshot shows a task blocked in a read, and where from.
func TestSnapshotShowsBlockedRead(t *testing.T) {
	a, _ := tcpPair(t)
	s := iox.New(iox.WithName("net"))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		_, err := a.Read(make([]byte, 1))
		return err
	}).SetName("reader")
	st := blockedIn(t, s, tk, iox.OpRead)
	if st.Target != a.RemoteAddr().String() {
		t.Fatalf("blocked on %q, want %q", st.Target, a.RemoteAddr())
	}
	line := s.Snapshot().String()
	if !strings.Contains(line, "reader") || !strings.Contains(line, "read") || !strings.Contains(line, a.RemoteAddr().String()) {
		t.Fatalf("Snapshot does not show the blocked read:\n%s", line)
	}
	t.Logf("\n%s", line)
	tk.Kill(nil)
	if err := tk.Wait(); !errors.Is(err, iox.ErrKilled) {
		t.Fatal(err)
	}
}
