package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

var errReason = errors.New("test reason")

// newServer starts a loopback server for the test and closes it, and the
// client's idle connections, when the test ends.
func newServer(t *testing.T, h http.HandlerFunc, clients ...*http.Client) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
		srv.Close()
	})
	return srv
}

// stall is a handler that signals entered, then writes the status line,
// headers and the first part of a body if part is set, and waits for the
// client to go away.
func stall(entered chan<- struct{}, part string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if part != "" {
			w.Header().Set("Content-Length", "1000")
			w.Write([]byte(part))
			w.(http.Flusher).Flush()
		}
		entered <- struct{}{}
		<-r.Context().Done()
	}
}

// within fails the test if d is more than max: a kill or a scope must end
// a call promptly (max is generous for -race on a loaded machine).
func within(t *testing.T, what string, d, max time.Duration) {
	t.Helper()
	t.Logf("%s: %v", what, d)
	if d > max {
		t.Errorf("%s took %v, want under %v", what, d, max)
	}
}

// setHook sets a test hook for the duration of the test.
func setHook(t *testing.T, hook *func(), f func()) {
	t.Helper()
	*hook = f
	t.Cleanup(func() { *hook = nil })
}
