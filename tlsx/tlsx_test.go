package tlsx

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
	"github.com/coop-go/coop/netx"
)

// echoOnce accepts one conn on l, as a task of s, and echoes it.
func echoOnce(s *iox.Scheduler, l net.Listener) *iox.Task {
	return s.Go(func(ctx context.Context) error {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = io.Copy(c, c)
		return err
	})
}

// A round trip with both ends swapped: the handshake is one blocking call
// reported with the server's name, the conn underneath is netx's, and the
// bytes come back.
func TestRoundTrip(t *testing.T) {
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	l := listen(t)
	server := echoOnce(s, l)
	client := s.Go(func(ctx context.Context) error {
		c, err := Dial("tcp", l.Addr().String(), clientConfig())
		if err != nil {
			return err
		}
		defer c.Close()
		if _, ok := c.NetConn().(*netx.TCPConn); !ok {
			return errors.New("the conn under a tlsx.Dial is not a *netx.TCPConn")
		}
		if _, err := io.WriteString(c, "hello"); err != nil {
			return err
		}
		b := make([]byte, 5)
		if _, err := io.ReadFull(c, b); err != nil {
			return err
		}
		if string(b) != "hello" {
			return errors.New("echoed " + string(b))
		}
		return nil
	})
	if err := client.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := server.Wait(); err != nil {
		t.Fatal(err)
	}
	var hs []iox.Event
	for _, e := range log.Of(opHandshake) {
		if e.Task == client {
			hs = append(hs, e)
		}
	}
	if len(hs) != 1 || hs[0].Target != testName || hs[0].Err != nil {
		t.Fatalf("the client's handshake events = %+v, want one, on %q, without error", hs, testName)
	}
	// The server's side of the handshake happened in its reads and writes.
	var serverReads int
	for _, e := range log.Of(iox.OpRead) {
		if e.Task == server {
			serverReads++
		}
	}
	if serverReads == 0 {
		t.Fatal("no read events for the server's task")
	}
}

// A kill while the client's handshake waits for the server ends it, with
// the kill as the error.
func TestKillClientHandshake(t *testing.T) {
	s := iox.New()
	defer s.Close()
	addr := stallServer(t)
	took, err := killWhileBlocked(t, s, iox.OpHandshake, func(ctx context.Context) error {
		c, err := Dial("tcp", addr, clientConfig())
		if err == nil {
			c.Close()
		}
		return err
	})
	if !errors.Is(err, iox.ErrKilled) || !errors.Is(err, errReason) {
		t.Fatalf("Dial in a killed task = %v, want the kill", err)
	}
	t.Logf("the handshake ended %v after the kill", took)
}

// A kill while the server's handshake waits for the client's hello ends
// it: Handshake, crypto/tls's method, with the kill as the error, through
// the netx conn underneath; HandshakeContext with the task's context, which
// the kill cancels, with that context's error, as crypto/tls returns it.
func TestKillServerHandshake(t *testing.T) {
	for _, withCtx := range []bool{false, true} {
		s := iox.New()
		l := listen(t)
		raw, err := netx.Dial("tcp", l.Addr().String()) // says nothing
		if err != nil {
			t.Fatal(err)
		}
		took, err := killWhileBlocked(t, s, iox.OpRead, func(ctx context.Context) error {
			c, err := l.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			if withCtx {
				return c.(*Conn).HandshakeContext(ctx)
			}
			return c.(*Conn).Handshake()
		})
		raw.Close()
		s.Close()
		switch {
		case withCtx && !errors.Is(err, context.Canceled):
			t.Fatalf("HandshakeContext(task's ctx) in a killed task = %v, want context.Canceled", err)
		case !withCtx && (!errors.Is(err, iox.ErrKilled) || !errors.Is(err, errReason)):
			t.Fatalf("Handshake in a killed task = %v, want the kill", err)
		}
		t.Logf("the handshake (context %v) ended %v after the kill", withCtx, took)
	}
}

// connected returns a client conn dialed with tlsx and the server's conn
// accepted from a tlsx listener, both handshaken.
func connected(t testing.TB) (client, server *Conn) {
	t.Helper()
	l := listen(t)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		if err := c.(*Conn).Handshake(); err != nil {
			c.Close()
			c = nil
		}
		accepted <- c
	}()
	c, err := Dial("tcp", l.Addr().String(), clientConfig())
	if err != nil {
		t.Fatal(err)
	}
	sc := <-accepted
	if sc == nil {
		c.Close()
		t.Fatal("the server's handshake failed")
	}
	t.Cleanup(func() { c.Close(); sc.Close() })
	return c, sc.(*Conn)
}

// A kill while a read waits for a record ends the read, on either side.
func TestKillRead(t *testing.T) {
	client, server := connected(t)
	for _, c := range []*Conn{client, server} {
		s := iox.New()
		took, err := killWhileBlocked(t, s, iox.OpRead, func(ctx context.Context) error {
			_, err := c.Read(make([]byte, 1))
			return err
		})
		s.Close()
		if !errors.Is(err, iox.ErrKilled) || !errors.Is(err, errReason) {
			t.Fatalf("Read in a killed task = %v, want the kill", err)
		}
		t.Logf("the read ended %v after the kill", took)
	}
}

// A timeout scope bounds a handshake, on a goroutine that is no task.
func TestScopeBoundsHandshake(t *testing.T) {
	addr := stallServer(t)
	err := iox.Timeout(20*time.Millisecond, func() error {
		c, err := Dial("tcp", addr, clientConfig())
		if err == nil {
			c.Close()
		}
		return err
	})
	var ne net.Error
	if !errors.Is(err, iox.ErrTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Dial under a scope = %v, want iox.ErrTimeout", err)
	}
}

// A timeout scope bounds a read, and the conn is still usable after it:
// what comes later is read in full, as after a read deadline.
func TestScopeBoundsReadKeepsConn(t *testing.T) {
	client, server := connected(t)
	err := iox.Timeout(20*time.Millisecond, func() error {
		_, err := client.Read(make([]byte, 1))
		return err
	})
	if !errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("Read under a scope = %v, want iox.ErrTimeout", err)
	}
	go io.WriteString(server, "later")
	b := make([]byte, 5)
	if _, err := io.ReadFull(client, b); err != nil || string(b) != "later" {
		t.Fatalf("read after the scope = %q, %v; want \"later\"", b, err)
	}
}

// In Cooperative mode a handshake gives the turn up while it waits: a
// task spawned after it runs to its end meanwhile.
func TestHandshakeReleasesTurn(t *testing.T) {
	s := iox.New(iox.WithMode(iox.Cooperative))
	defer s.Close()
	addr := stallServer(t)
	dialer := s.Go(func(ctx context.Context) error {
		_, err := Dial("tcp", addr, clientConfig())
		return err
	})
	blockedIn(t, s, dialer, iox.OpHandshake)
	ran := s.Go(func(ctx context.Context) error { return nil })
	if err := ran.Wait(); err != nil {
		t.Fatal(err)
	}
	dialer.Kill(nil)
	if err := dialer.Wait(); !errors.Is(err, iox.ErrKilled) {
		t.Fatalf("the killed dial = %v, want iox.ErrKilled", err)
	}
}

// The context given to DialContext is honoured as crypto/tls honours it:
// its cancellation ends the handshake with its error, not an iox one.
func TestDialContextCancel(t *testing.T) {
	s := iox.New()
	defer s.Close()
	addr := stallServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	tk := s.Go(func(context.Context) error {
		_, err := (&Dialer{Config: clientConfig()}).DialContext(ctx, "tcp", addr)
		return err
	})
	blockedIn(t, s, tk, iox.OpHandshake)
	cancel()
	if err := tk.Wait(); !errors.Is(err, context.Canceled) || errors.Is(err, iox.ErrKilled) {
		t.Fatalf("DialContext after cancel = %v, want context.Canceled", err)
	}
}

// A dial in a task already killed does not start; Dialer's zero value
// works; DialWithDialer names a nil dialer; Listen says what its config
// lacks.
func TestBadInput(t *testing.T) {
	s := iox.New()
	defer s.Close()
	l := listen(t)
	server := echoOnce(s, l)
	var d Dialer
	d.Config = clientConfig()
	c, err := d.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("zero Dialer: %v", err)
	}
	c.Close()
	if err := server.Wait(); err != nil {
		t.Fatal(err)
	}

	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Error("DialWithDialer(nil, ...) did not panic")
			}
		}()
		DialWithDialer(nil, "tcp", l.Addr().String(), clientConfig())
	}()

	if _, err := Listen("tcp", "127.0.0.1:0", &Config{}); err == nil {
		t.Error("Listen with no certificate succeeded")
	}

	ready := make(chan struct{})
	tk := s.Go(func(ctx context.Context) error {
		<-ready
		_, err := Dial("tcp", l.Addr().String(), clientConfig())
		return err
	})
	tk.Kill(errReason)
	close(ready)
	if err := tk.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("Dial in a killed task = %v, want the kill", err)
	}
}
