package retry

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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

// stall is a handler that signals entered and waits for the client to go
// away.
func stall(entered chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
