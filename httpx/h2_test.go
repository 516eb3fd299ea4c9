package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// tlsServer starts a loopback TLS server, with HTTP/2 if h2, and returns
// a TLS configuration that trusts it.
func tlsServer(t *testing.T, h2 bool, h http.HandlerFunc) (*httptest.Server, *tls.Config) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = h2
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, &tls.Config{RootCAs: pool}
}

// bodyServer serves h over plain HTTP/1.1, or over HTTP/2 with TLS, and
// returns an httpx client for it.
func bodyServer(t *testing.T, h2 bool, h http.HandlerFunc) (*http.Client, string) {
	t.Helper()
	c := NewClient()
	if !h2 {
		return c, newServer(t, h, c).URL
	}
	srv, cfg := tlsServer(t, true, h)
	c.Transport.(*Transport).TLSClientConfig = cfg
	t.Cleanup(c.CloseIdleConnections)
	return c, srv.URL
}

// HTTP/2 is still negotiated through httpx, with netx dialing underneath.
func TestHTTP2Negotiated(t *testing.T) {
	c, url := bodyServer(t, true, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Proto) })
	log, plain := &ioxtest.Recorder{}, &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	defer iox.Default().Observe(plain)()
	tk := s.Go(func(ctx context.Context) error {
		resp, err := c.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.ProtoMajor != 2 || string(b) != "HTTP/2.0" {
			return fmt.Errorf("response %s, body %q; want HTTP/2 both ways", resp.Proto, b)
		}
		return nil
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	rts := log.Of(iox.OpRoundTrip)
	if len(rts) != 1 {
		t.Fatalf("%d round trip events, want 1", len(rts))
	}
	info := rts[0].Detail.(RoundTripInfo)
	if info.Proto != "HTTP/2.0" || info.TLS <= 0 || info.Connect <= 0 {
		t.Errorf("round trip info %+v, want HTTP/2.0 with TLS and connect phases", info)
	}
	if len(log.Of(iox.OpDial)) != 1 || len(plain.Of(iox.OpWrite)) == 0 {
		t.Errorf("dial or write events missing: the TLS conn is not over netx")
	}
}
