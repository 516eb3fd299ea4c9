package httpx

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"testing"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// httpx's trace adds to a user's: both see the round trip.
func TestTraceComposes(t *testing.T) {
	c := NewClient()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }, c)
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	var userSaw atomic.Int32
	tk := s.Go(func(ctx context.Context) error {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GotFirstResponseByte: func() { userSaw.Add(1) },
		})
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	if userSaw.Load() != 1 {
		t.Errorf("the user's trace saw %d first bytes, want 1", userSaw.Load())
	}
	rts := log.Of(iox.OpRoundTrip)
	if len(rts) != 1 || rts[0].Detail.(RoundTripInfo).FirstByte <= 0 {
		t.Errorf("round trip events %+v, want one with its first byte", rts)
	}
}

// A failed round trip's event has its error and the phases it went
// through.
func TestTraceOfFailure(t *testing.T) {
	c := NewClient()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}, c)
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		_, err := c.Get(srv.URL)
		return err
	})
	if err := tk.Wait(); err == nil {
		t.Fatal("Get of a closed connection succeeded")
	}
	rts := log.Of(iox.OpRoundTrip)
	if len(rts) != 1 || rts[0].Err == nil {
		t.Fatalf("round trip events %+v, want one failed", rts)
	}
	if info := rts[0].Detail.(RoundTripInfo); info.Status != 0 || info.Connect <= 0 {
		t.Errorf("failed round trip's info %+v, want no status and a connect phase", info)
	}
}
