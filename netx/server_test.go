package netx

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// A Server serves each connection in a task named "conn ADDR", a child
// of the server's task; Shutdown waits for them and, when its context
// ends, kills the ones left and returns its error; Serve then returns nil.
func TestServerShape(t *testing.T) {
	s := iox.New()
	defer s.Close()
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Handler: func(ctx context.Context, c net.Conn) error {
		_, err := io.Copy(c, c)
		return err
	}}
	served := s.Go(func(ctx context.Context) error { return srv.Serve(l) })
	c, err := Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo: %q, %v", buf, err)
	}
	var conn *iox.Task
	for give := time.Now().Add(ioxtest.Patience); conn == nil && time.Now().Before(give); {
		for _, st := range s.Snapshot().Tasks {
			if st.Name == "conn "+c.LocalAddr().String() {
				conn = s.Lookup(st.ID)
			}
		}
		time.Sleep(time.Millisecond) // polling the Snapshot for the name, set as the task starts
	}
	if conn == nil || !strings.HasPrefix(conn.Parent().Name(), "serve ") || conn.Parent().Parent() != served {
		t.Fatalf("no conn task under the server's task:\n%v", s.Snapshot())
	}
	ioxtest.WaitBlocked(t, s, conn, iox.OpRead)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown = %v, want its context's error", err)
	}
	if err := conn.Wait(); !errors.Is(err, iox.ErrKilled) {
		t.Fatalf("the conn's task ended with %v, want a kill", err)
	}
	if err := served.Wait(); err != nil {
		t.Fatalf("Serve returned %v after Shutdown, want nil", err)
	}
	if _, err := c.Read(buf); err != io.EOF {
		t.Fatalf("the client read %v after the kill, want EOF", err)
	}
}

// A Pool bounds the conns served at once; Close kills them.
func TestServerPoolAndClose(t *testing.T) {
	s := iox.New()
	defer s.Close()
	l, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pool := iox.NewPool(2)
	pool.Scheduler = s
	srv := &Server{Pool: pool, Handler: func(ctx context.Context, c net.Conn) error {
		c.Write([]byte("x"))
		iox.Sleep(time.Hour)
		return nil
	}}
	served := s.Go(func(ctx context.Context) error { return srv.Serve(l) })
	var conns []net.Conn
	for range 3 {
		c, err := Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for _, c := range conns[:2] {
		if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
	}
	// The third waits for a slot: the pool is full.
	if n := pool.Len(); n != 2 {
		t.Fatalf("pool runs %d tasks, want 2", n)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := served.Wait(); err != nil {
		t.Fatalf("Serve returned %v after Close, want nil", err)
	}
	if _, err := conns[0].Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("a served client read %v after Close, want EOF", err)
	}
	pool.Wait()
}
