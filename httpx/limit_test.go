package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// A thousand tasks of a Cooperative scheduler make a request each,
// through a transport that lets 50 at a time reach the host: every
// request completes and none is lost; the tasks give the turn up while
// they wait, for the server and for a slot, or the first 50 could never
// be at the server together.
func TestCooperativeThousandRequests(t *testing.T) {
	const n, limit = 1000, 50
	var inFlight, maxInFlight, arrived atomic.Int32
	gate, full := make(chan struct{}), make(chan struct{})
	c := &http.Client{Transport: &Transport{MaxRequestsPerHost: limit, MaxIdleConnsPerHost: limit}}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		cur := inFlight.Add(1)
		for m := maxInFlight.Load(); cur > m && !maxInFlight.CompareAndSwap(m, cur); m = maxInFlight.Load() {
		}
		if arrived.Add(1) == limit {
			close(full)
		}
		<-gate
		inFlight.Add(-1)
		fmt.Fprint(w, r.URL.Path)
	}, c)
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithMode(iox.Cooperative), iox.WithObserver(log))
	defer s.Close()
	got := make([]string, n) // written between blocking calls: Cooperative mode needs no lock
	tasks := make([]*iox.Task, n)
	for i := range n {
		tasks[i] = s.Go(func(ctx context.Context) error {
			resp, err := c.Get(fmt.Sprintf("%s/%d", srv.URL, i))
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			got[i] = string(b)
			return err
		})
	}
	<-full
	atServer := 0
	for _, ts := range s.Snapshot().Tasks {
		if ts.State == iox.Blocked && ts.Op == iox.OpRoundTrip {
			atServer++
		}
	}
	if atServer != limit {
		t.Errorf("%d tasks blocked in a round trip while the server holds %d requests, want %d", atServer, limit, limit)
	}
	close(gate)
	for i, tk := range tasks {
		if err := tk.Wait(); err != nil {
			t.Fatalf("task %d: %v", i, err)
		}
		if want := fmt.Sprintf("/%d", i); got[i] != want {
			t.Fatalf("task %d got %q, want %q", i, got[i], want)
		}
	}
	if m := maxInFlight.Load(); m > limit {
		t.Errorf("%d requests in flight at once, want at most %d", m, limit)
	}
	if len(log.Of(iox.OpAcquire)) == 0 {
		t.Errorf("no task waited for a slot")
	}
	if rts := log.Of(iox.OpRoundTrip); len(rts) != n {
		t.Errorf("%d round trip events, want %d", len(rts), n)
	}
}

// waitBlocked waits until task tk of s is blocked in a call of the given
// kind, as the scheduler's snapshot shows.
func waitBlocked(s *iox.Scheduler, tk *iox.Task, kind iox.OpKind) {
	for st, _ := s.Snapshot().Task(tk.ID()); st.State != iox.Blocked || st.Op != kind; st, _ = s.Snapshot().Task(tk.ID()) {
		iox.Yield()
	}
}

// Waiting for a slot is a blocking call: a kill or a scope ends it.
func TestLimitWaitEnds(t *testing.T) {
	entered := make(chan struct{}, 1)
	c := &http.Client{Transport: &Transport{MaxRequestsPerHost: 1}}
	srv := newServer(t, stall(entered, ""), c)
	host := strings.TrimPrefix(srv.URL, "http://")
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	first := s.Go(func(ctx context.Context) error {
		_, err := c.Get(srv.URL)
		return err
	})
	<-entered
	second := s.Go(func(ctx context.Context) error {
		_, err := c.Get(srv.URL)
		return err
	})
	waitBlocked(s, second, iox.OpAcquire)
	second.Kill(errReason)
	if err := second.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("waiting for a slot = %v, want the kill", err)
	}
	acq := log.Of(iox.OpAcquire)
	if len(acq) != 1 || acq[0].Target != host || !errors.Is(acq[0].Err, iox.ErrKilled) {
		t.Fatalf("acquire events %+v, want one for %s, killed", acq, host)
	}
	third := s.Go(func(ctx context.Context) error {
		return iox.Timeout(20*time.Millisecond, func() error {
			_, err := c.Get(srv.URL)
			return err
		})
	})
	if err := third.Wait(); !errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("waiting for a slot in a scope = %v, want ErrTimeout", err)
	}
	first.Kill(nil)
	first.Wait()
}

// A slot is given back when the body is closed, read to its end, or the
// round trip fails.
func TestLimitSlotReleased(t *testing.T) {
	tr := &Transport{MaxRequestsPerHost: 1}
	c := &http.Client{Transport: tr}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		fmt.Fprint(w, "data")
	}, c)
	tk := iox.Spawn(func(ctx context.Context) error {
		// Closed unread.
		resp, err := c.Get(srv.URL)
		if err != nil {
			return err
		}
		resp.Body.Close()
		// Read to its end, never closed.
		resp, err = c.Get(srv.URL)
		if err != nil {
			return err
		}
		if _, err := io.ReadAll(resp.Body); err != nil {
			return err
		}
		// A failed round trip.
		if _, err := c.Get(srv.URL + "/fail"); err == nil {
			return errors.New("a request whose connection was closed succeeded")
		}
		// A slot is still free.
		return iox.Timeout(time.Second, func() error {
			resp, err := c.Get(srv.URL)
			if err != nil {
				return err
			}
			return resp.Body.Close()
		})
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	if n := len(tr.rt.limit.hosts); n != 0 {
		t.Errorf("%d hosts keep slots with nothing in flight, want 0", n)
	}
}
