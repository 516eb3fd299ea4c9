package netx

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// A TLS handshake over a netx conn is a series of blocking calls: a kill
// ends it while the server stalls it.
func TestKillTLSHandshake(t *testing.T) {
	addr := stallServer(t) // accepts, never speaks TLS
	err := killWhileBlocked(t, iox.OpRead, func(ctx context.Context) error {
		c, err := Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
		return tc.Handshake()
	})
	if !errors.Is(err, iox.ErrKilled) || !errors.Is(err, errReason) {
		t.Fatalf("handshake ended with %v, want the kill", err)
	}
}

func TestTLSOverNetxWorks(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	srv.Listener = WrapListener(srv.Listener) // the server side through netx too
	srv.StartTLS()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	err := iox.Spawn(func(ctx context.Context) error {
		c, err := Dial("tcp", addr)
		if err != nil {
			return err
		}
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
		defer tc.Close()
		if err := tc.Handshake(); err != nil {
			return err
		}
		io.WriteString(tc, "GET / HTTP/1.0\r\n\r\n")
		b, err := io.ReadAll(tc)
		if err != nil {
			return err
		}
		if len(b) < 12 || string(b[:12]) != "HTTP/1.0 404" {
			return errors.New("unexpected response: " + string(b))
		}
		return nil
	}).Wait()
	if err != nil {
		t.Fatal(err)
	}
}

func TestScopeBoundsTLSHandshake(t *testing.T) {
	addr := stallServer(t)
	err := iox.Timeout(30*time.Millisecond, func() error {
		c, err := Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		return tls.Client(c, &tls.Config{InsecureSkipVerify: true}).Handshake()
	})
	var ne net.Error
	if !errors.Is(err, iox.ErrTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("handshake under a scope = %v, want iox.ErrTimeout", err)
	}
}
