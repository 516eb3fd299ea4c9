package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// patch patches net/http's defaults for the test.
func patch(t *testing.T) {
	t.Helper()
	undo := PatchDefault()
	t.Cleanup(undo)
}

// undo restores the exact values, and the patched transport is still an
// *http.Transport meanwhile.
func TestPatchDefaultUndo(t *testing.T) {
	prevT, prevCT := http.DefaultTransport, http.DefaultClient.Transport
	undo := PatchDefault()
	ht, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		t.Fatalf("patched http.DefaultTransport is a %T, want *http.Transport", http.DefaultTransport)
	}
	if ht == prevT || ht.DialContext == nil || !ht.ForceAttemptHTTP2 || ht.MaxIdleConns != 100 {
		t.Errorf("patched transport %+v, want a clone of the default with its settings", ht)
	}
	if _, ok := http.DefaultClient.Transport.(*roundTripper); !ok {
		t.Errorf("patched DefaultClient.Transport is a %T", http.DefaultClient.Transport)
	}
	// Patching again while patched does nothing.
	again := PatchDefault()
	if http.DefaultTransport != ht {
		t.Errorf("a second PatchDefault patched again")
	}
	again()
	if http.DefaultTransport != ht {
		t.Errorf("the second PatchDefault's undo undid the first")
	}
	undo()
	undo() // a second undo does nothing
	if http.DefaultTransport != prevT || http.DefaultClient.Transport != prevCT {
		t.Fatalf("undo left DefaultTransport %p (was %p), DefaultClient.Transport %v (was %v)",
			http.DefaultTransport, prevT, http.DefaultClient.Transport, prevCT)
	}
}

// After the patch, http.Get in a task is a reported blocking call; after
// undo it is net/http's own again.
func TestPatchedGetReported(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hi") })
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	get := func() error {
		tk := s.Go(func(ctx context.Context) error {
			resp, err := http.Get(srv.URL)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, err = io.ReadAll(resp.Body)
			return err
		})
		return tk.Wait()
	}
	undo := PatchDefault()
	if err := get(); err != nil {
		t.Fatal(err)
	}
	undo()
	if n := len(log.Of(iox.OpRoundTrip)); n != 1 {
		t.Fatalf("%d round trip events for a patched http.Get, want 1", n)
	}
	if n := len(log.Of(iox.OpDial)); n != 1 {
		t.Fatalf("%d dial events for a patched http.Get, want 1 (dialed through netx)", n)
	}
	if err := get(); err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
	if n := len(log.Of(iox.OpRoundTrip)); n != 1 {
		t.Fatalf("http.Get after undo was reported")
	}
}

// The patched http.Get is killable and bound by scopes while the server
// stalls its headers and while it stalls its body.
func TestPatchedGetKillAndScope(t *testing.T) {
	patch(t)
	for _, part := range []string{"", "partial"} {
		stage := "headers"
		if part != "" {
			stage = "body"
		}
		entered := make(chan struct{}, 2)
		srv := newServer(t, stall(entered, part))
		get := func() error {
			resp, err := http.Get(srv.URL)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, err = io.ReadAll(resp.Body)
			return err
		}
		t.Run("kill while the server stalls its "+stage, func(t *testing.T) {
			tk := iox.Spawn(func(ctx context.Context) error { return get() })
			<-entered
			start := time.Now()
			tk.Kill(errReason)
			err := tk.Wait()
			within(t, "kill to return", time.Since(start), time.Second)
			if !errors.Is(err, iox.ErrKilled) || !errors.Is(err, errReason) {
				t.Fatalf("http.Get = %v, want the kill", err)
			}
		})
		t.Run("scope while the server stalls its "+stage, func(t *testing.T) {
			start := time.Now()
			err := iox.Timeout(50*time.Millisecond, get)
			<-entered
			within(t, "scope of 50ms", time.Since(start), time.Second)
			if !errors.Is(err, iox.ErrTimeout) {
				t.Fatalf("http.Get = %v, want ErrTimeout", err)
			}
		})
	}
}

// HTTP/2 still works through the patched defaults, configured the way
// third-party code configures them.
func TestPatchedHTTP2(t *testing.T) {
	patch(t)
	srv, cfg := tlsServer(t, true, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Proto) })
	http.DefaultTransport.(*http.Transport).TLSClientConfig = cfg
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.ProtoMajor != 2 || string(b) != "HTTP/2.0" {
		t.Fatalf("patched http.Get over TLS: %s, %q, %v; want HTTP/2", resp.Proto, b, err)
	}
}

// A DefaultTransport that is no *http.Transport is left alone and
// wrapped for DefaultClient.
func TestPatchForeignDefaultTransport(t *testing.T) {
	prev := http.DefaultTransport
	defer func() { http.DefaultTransport = prev }()
	foreign := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
	})
	http.DefaultTransport = foreign
	undo := PatchDefault()
	defer undo()
	if _, same := http.DefaultTransport.(roundTripFunc); !same {
		t.Fatalf("PatchDefault replaced a foreign DefaultTransport")
	}
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		resp, err := http.Get("http://example.invalid/")
		if err != nil {
			return err
		}
		return resp.Body.Close()
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	if n := len(log.Of(iox.OpRoundTrip)); n != 1 {
		t.Fatalf("%d round trip events, want 1", n)
	}
}
