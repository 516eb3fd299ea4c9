package httpx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// Get, Head, Post and PostForm go through DefaultClient and
// DefaultTransport, and are blocking calls.
func TestPackageFunctions(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.Method, b)
	})
	t.Cleanup(DefaultClient.CloseIdleConnections)
	calls := []struct {
		method string
		do     func() (*http.Response, error)
		want   string
	}{
		{"GET", func() (*http.Response, error) { return Get(srv.URL) }, "GET "},
		{"HEAD", func() (*http.Response, error) { return Head(srv.URL) }, ""},
		{"POST", func() (*http.Response, error) { return Post(srv.URL, "text/plain", strings.NewReader("x=1")) }, "POST x=1"},
		{"POST", func() (*http.Response, error) { return PostForm(srv.URL, url.Values{"y": {"2"}}) }, "POST y=2"},
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, c := range calls {
		log := &ioxtest.Recorder{}
		s := iox.New(iox.WithObserver(log))
		tk := s.Go(func(ctx context.Context) error {
			resp, err := c.do()
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if string(b) != c.want {
				return fmt.Errorf("body %q, want %q", b, c.want)
			}
			return err
		})
		if err := tk.Wait(); err != nil {
			t.Fatalf("%s: %v", c.method, err)
		}
		s.Close()
		if rts := log.Of(iox.OpRoundTrip); len(rts) != 1 || rts[0].Target != c.method+" "+host {
			t.Errorf("%s: round trip events %+v, want one", c.method, rts)
		}
	}
}

// DefaultClient uses DefaultTransport as it is at each request, as
// net/http's does.
func TestDefaultClientFollowsDefaultTransport(t *testing.T) {
	prev := DefaultTransport
	defer func() { DefaultTransport = prev }()
	DefaultTransport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 299, Body: http.NoBody, Request: r}, nil
	})
	resp, err := Get("http://example.invalid/")
	if err != nil || resp.StatusCode != 299 {
		t.Fatalf("Get with a replaced DefaultTransport = %v, %v", resp, err)
	}
}

// NewClient's clients have transports of their own, set as
// DefaultTransport is.
func TestNewClient(t *testing.T) {
	a, b := NewClient(), NewClient()
	ta, tb := a.Transport.(*Transport), b.Transport.(*Transport)
	if ta == tb || ta == DefaultTransport {
		t.Fatalf("NewClient shares its Transport")
	}
	d := DefaultTransport.(*Transport)
	if ta.MaxIdleConns != d.MaxIdleConns || !ta.ForceAttemptHTTP2 || ta.Proxy == nil || ta.IdleConnTimeout != d.IdleConnTimeout {
		t.Fatalf("NewClient's Transport %+v, want DefaultTransport's settings", ta)
	}
}
