package retry_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/httpx/retry"
	"github.com/coop-go/coop/iox"
)

func ExampleNewClient() {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "at last")
	}))
	defer srv.Close()
	client := retry.NewClient()
	defer client.HTTPClient.CloseIdleConnections()
	client.RetryWaitMin = 10 * time.Millisecond

	s := iox.New(iox.WithObserver(iox.ObserverFunc(func(e iox.Event) {
		switch info := e.Detail.(type) {
		case httpx.RoundTripInfo:
			fmt.Printf("attempt %d: %d\n", info.Attempt, info.Status)
		case retry.WaitInfo:
			fmt.Printf("wait %v after attempt %d\n", info.Wait, info.Attempt)
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
	// attempt 1: 503
	// wait 10ms after attempt 1
	// attempt 2: 503
	// wait 20ms after attempt 2
	// attempt 3: 200
	// at last
}
