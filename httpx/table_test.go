package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// The tests of the client-side table in doc.go, a test per row: each
// makes a request from a task to a server that holds it, and asserts what
// the row says: "reaches" (the task is in a blocking call while it waits
// for the response, and a kill ends the request at once), or "escapes"
// (the task waits outside the scheduler: Snapshot shows it running, and a
// kill does not end it; the test then lets the server go).

type reach int

const (
	escapes  reach = iota
	reaches        // a blocking call, killed at once
	killable       // no blocking call, but a kill ends it at once
)

// tryKill runs get in a task while the server holds the request, and
// asserts what row says of it.
func tryKill(t *testing.T, row string, want reach, get func(url string) error) {
	t.Helper()
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	s := iox.New()
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error { return get(srv.URL) })
	<-entered
	switch want {
	case reaches, killable:
		if want == reaches {
			st := waitState(t, s, tk, iox.Blocked)
			if st.Op != iox.OpRoundTrip && st.Op != iox.OpRead {
				t.Errorf("%s: the task waits in %v, want the round trip", row, st.Op)
			}
		}
		start := time.Now()
		tk.Kill(errReason)
		err := tk.Wait()
		within(t, row+": kill", time.Since(start), time.Second)
		if !errors.Is(err, iox.ErrKilled) {
			t.Errorf("%s: the killed request ended with %v", row, err)
		}
	case escapes:
		// The task is in no blocking call: the request is invisible to
		// the scheduler and a kill cannot reach it.
		if st, _ := s.Snapshot().Task(tk.ID()); st.State == iox.Blocked && st.Op == iox.OpRoundTrip {
			t.Errorf("%s: the task is in a round trip, want the request outside the scheduler", row)
		}
		tk.Kill(errReason)
		// Twice the table's bound for a kill that reaches: an escaping
		// request is still held when it passes, however slow the machine
		// (the wait can only make it pass, never fail, for a row that
		// escapes).
		select {
		case <-tk.Done():
			t.Errorf("%s: the kill ended the request, want it to escape (%v)", row, tk.Err())
		case <-time.After(100 * time.Millisecond):
		}
		close(release)
		tk.Wait()
	}
}

// waitState waits until the task is in the given state.
func waitState(t *testing.T, s *iox.Scheduler, tk *iox.Task, want iox.TaskStatus) iox.TaskState {
	t.Helper()
	give := time.Now().Add(10 * time.Second)
	for {
		st, ok := s.Snapshot().Task(tk.ID())
		if ok && st.State == want {
			return st
		}
		if time.Now().After(give) {
			t.Fatalf("task %v never %v:\n%v", tk, want, s.Snapshot())
		}
		time.Sleep(time.Millisecond) // polling the Snapshot, not synchronising
	}
}

func drain(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = resp.Body.Read(make([]byte, 1))
	return err
}

// Swapped imports: http.Get is httpx.Get.
func TestTableSwappedGet(t *testing.T) {
	tryKill(t, "swapped http.Get", reaches, func(url string) error { return drain(Get(url)) })
}

// Swapped imports: &http.Client{Transport: &http.Transport{...}} and its
// Get method (a request with a background context).
func TestTableSwappedOwnTransport(t *testing.T) {
	c := &http.Client{Transport: &Transport{MaxIdleConnsPerHost: 4}}
	tryKill(t, "swapped own Transport, Client.Get", reaches, func(url string) error { return drain(c.Get(url)) })
}

// Swapped imports: http.DefaultTransport.(*http.Transport).Clone().
func TestTableSwappedClone(t *testing.T) {
	c := &http.Client{Transport: DefaultTransport.(*Transport).Clone()}
	tryKill(t, "swapped DefaultTransport clone, Client.Head", reaches, func(url string) error { return drain(c.Head(url)) })
}

// Swapped imports, no PatchDefault: &http.Client{Timeout: t} with a nil
// Transport uses net/http's DefaultTransport: it escapes.
func TestTableSwappedNilTransport(t *testing.T) {
	c := &Client{Timeout: time.Minute}
	tryKill(t, "swapped &Client{Timeout}, unpatched", escapes, func(url string) error { return drain(c.Get(url)) })
}

// PatchDefault: &http.Client{Timeout: t} with a nil Transport uses the
// patched DefaultTransport, whose round trips are no blocking calls: a
// kill does not end the wait for the response.
func TestTablePatchedNilTransport(t *testing.T) {
	patch(t)
	c := &http.Client{Timeout: time.Minute}
	tryKill(t, "&Client{Timeout}, patched", escapes, func(url string) error { return drain(c.Get(url)) })
}

// PatchDefault: http.Get and http.DefaultClient of unswapped code reach.
func TestTablePatchedGet(t *testing.T) {
	patch(t)
	tryKill(t, "unswapped http.Get, patched", reaches, func(url string) error { return drain(http.Get(url)) })
}

// Unswapped, unpatched http.Get escapes.
func TestTableUnpatchedGet(t *testing.T) {
	tryKill(t, "unswapped http.Get", escapes, func(url string) error { return drain(http.Get(url)) })
}

// Unswapped code's own &http.Transport{} escapes, patched or not.
func TestTableUnswappedOwnTransport(t *testing.T) {
	patch(t)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	tryKill(t, "unswapped own Transport, patched", escapes, func(url string) error { return drain(c.Get(url)) })
}

// Unswapped code's clone of DefaultTransport taken after PatchDefault
// dials through netx, but its round trips are no blocking calls.
func TestTablePatchedClone(t *testing.T) {
	patch(t)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	tryKill(t, "unswapped clone after PatchDefault", escapes, func(url string) error { return drain(c.Get(url)) })
}

// The workaround for every escaping row: a Transport from httpx, or a
// request with the task's context (a kill cancels it).
func TestTableWorkaroundContext(t *testing.T) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	tryKill(t, "unswapped own Transport, request with the task's context", killable, func(url string) error {
		req, _ := http.NewRequestWithContext(iox.Current().Context(), "GET", url, nil)
		return drain(c.Do(req))
	})
}
