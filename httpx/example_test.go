package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/iox"
)

func ExampleNewClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	}))
	defer srv.Close()
	client := httpx.NewClient()
	defer client.CloseIdleConnections()

	s := iox.New(iox.WithObserver(iox.ObserverFunc(func(e iox.Event) {
		if info, ok := e.Detail.(httpx.RoundTripInfo); ok {
			fmt.Println(e.Kind, info.Status, info.Proto)
		}
	})))
	defer s.Close()
	t := s.Go(func(ctx context.Context) error {
		resp, err := client.Get(srv.URL)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		fmt.Println(string(b))
		return err
	})
	if err := t.Wait(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// roundtrip 200 HTTP/1.1
	// hello
}

func ExamplePatchDefault() {
	undo := httpx.PatchDefault() // once, at startup
	defer undo()
	_, ok := http.DefaultTransport.(*http.Transport)
	fmt.Println("DefaultTransport is an *http.Transport:", ok)

	stalled := make(chan struct{}, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stalled <- struct{}{}
		<-r.Context().Done() // never answers
	}))
	defer srv.Close()

	// Code that nobody edits, calling net/http's own Get.
	legacy := func() error {
		resp, err := http.Get(srv.URL)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}

	t := iox.Spawn(func(ctx context.Context) error { return legacy() })
	<-stalled
	t.Kill(errors.New("shutting down"))
	fmt.Println("killed:", errors.Is(t.Wait(), iox.ErrKilled))

	err := iox.Timeout(20*time.Millisecond, legacy)
	fmt.Println("timed out:", errors.Is(err, iox.ErrTimeout))
	// Output:
	// DefaultTransport is an *http.Transport: true
	// killed: true
	// timed out: true
}

func ExampleTransport() {
	var inFlight, most atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	// At most two requests in flight to a host; tasks waiting for a slot
	// give the turn up.
	client := &http.Client{Transport: &httpx.Transport{MaxRequestsPerHost: 2}}
	defer client.CloseIdleConnections()

	s := iox.New(iox.WithMode(iox.Cooperative))
	defer s.Close()
	var ok int // Cooperative mode: tasks touch it between blocking calls only
	var tasks []*iox.Task
	for range 10 {
		tasks = append(tasks, s.Go(func(ctx context.Context) error {
			resp, err := client.Get(srv.URL)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				ok++
			}
			return nil
		}))
	}
	iox.JoinAll(time.Minute, tasks...)
	fmt.Println("responses:", ok)
	fmt.Println("at most 2 in flight:", most.Load() <= 2)
	// Output:
	// responses: 10
	// at most 2 in flight: true
}
