package retry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
	"github.com/hashicorp/go-retryablehttp"
)

// statuses is a handler that answers with the given statuses in turn, the
// last one from then on, and counts the requests.
type statuses struct {
	codes []int
	n     atomic.Int32
	mu    sync.Mutex
	extra func(w http.ResponseWriter, i int)
	seen  [][]byte // request bodies
}

func (s *statuses) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.n.Add(1)) - 1
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.seen = append(s.seen, b)
	s.mu.Unlock()
	if s.extra != nil {
		s.extra(w, i)
	}
	w.WriteHeader(s.codes[min(i, len(s.codes)-1)])
	fmt.Fprint(w, "body of answer ", i)
}

// retryClient returns a NewClient with the given waits, closed with
// the test.
func retryClient(t *testing.T, waitMin, waitMax time.Duration) *retryablehttp.Client {
	c := NewClient()
	c.RetryWaitMin, c.RetryWaitMax = waitMin, waitMax
	t.Cleanup(c.HTTPClient.CloseIdleConnections)
	return c
}

// 503, 503, 200: three attempts, each a round trip event with its number,
// and two waits between them.
func TestRetryEvents(t *testing.T) {
	h := &statuses{codes: []int{503, 503, 200}}
	c := retryClient(t, time.Millisecond, 5*time.Millisecond)
	srv := newServer(t, h.ServeHTTP)
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		resp, err := c.Get(srv.URL)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != "body of answer 2" {
			return fmt.Errorf("got %d %q", resp.StatusCode, b)
		}
		return nil
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	rts := log.Of(iox.OpRoundTrip)
	if len(rts) != 3 {
		t.Fatalf("%d attempt events, want 3", len(rts))
	}
	for i, e := range rts {
		info := e.Detail.(httpx.RoundTripInfo)
		want := []int{503, 503, 200}[i]
		if info.Attempt != i+1 || info.Status != want || e.Target != "GET "+host || e.Task != tk {
			t.Errorf("attempt event %d: %+v %+v, want attempt %d status %d", i, e, info, i+1, want)
		}
	}
	waits := log.Of(iox.OpSleep)
	if len(waits) != 2 {
		t.Fatalf("%d wait events, want 2", len(waits))
	}
	for i, e := range waits {
		info := e.Detail.(WaitInfo)
		want := WaitInfo{Attempt: i + 1, Status: 503, Wait: []time.Duration{time.Millisecond, 2 * time.Millisecond}[i]}
		if info != want || e.Target != "GET "+host || e.Task != tk || e.Err != nil {
			t.Errorf("wait event %d: %+v %+v, want %+v", i, e, info, want)
		}
		if e.Duration < info.Wait {
			t.Errorf("wait event %d lasted %v, less than its backoff %v", i, e.Duration, info.Wait)
		}
	}
}

// A kill during a long backoff ends Do at once with the kill's error and
// no further attempt, wherever it lands after the first attempt, and
// whether the request's context is the task's (which retryablehttp's own
// select races against its timer) or not. Run many times: a race shows.
func TestRetryKillDuringBackoff(t *testing.T) {
	const runs = 200
	variants := []struct {
		name      string
		taskCtx   bool
		n         int
		inWait    bool // kill once the wait has begun
		inDrain   bool // kill as the failed attempt's body is drained
		inAttempt bool // kill as the first attempt ends
	}{
		{"in the wait, task context", true, runs, true, false, false},
		{"in the wait, background context", false, runs / 4, true, false, false},
		{"before the wait, task context", true, runs, false, true, false},
		{"after the attempt, background context", false, runs / 4, false, false, true},
	}
	h := &statuses{codes: []int{503}}
	c := retryClient(t, 10*time.Second, 10*time.Second)
	srv := newServer(t, h.ServeHTTP)
	var maxDelay time.Duration
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			for i := 0; i < v.n; i++ {
				var killedAt atomic.Int64
				kill := func() {
					if tk := iox.Current(); tk != nil {
						killedAt.Store(time.Now().UnixNano())
						tk.Kill(errReason)
					}
				}
				var wait, read func()
				if v.inWait {
					wait = kill
				}
				if v.inDrain {
					read = kill
				}
				testHookWait = wait
				var obs []iox.Option
				if v.inAttempt || read != nil {
					obs = append(obs, iox.WithObserver(iox.ObserverFunc(func(e iox.Event) {
						switch {
						case e.Kind == iox.OpRoundTrip && v.inAttempt:
							kill()
						case e.Kind == iox.OpRead && read != nil:
							read() // a read of the failed attempt's body, as Do drains it
						}
					})))
				}
				s := iox.New(obs...)
				h.n.Store(0)
				var doErr error
				tk := s.Go(func(ctx context.Context) error {
					if !v.taskCtx {
						ctx = context.Background()
					}
					req, err := retryablehttp.NewRequestWithContext(ctx, "GET", srv.URL, nil)
					if err != nil {
						return err
					}
					var resp *http.Response
					resp, doErr = c.Do(req)
					if resp != nil {
						resp.Body.Close()
					}
					return doErr
				})
				tk.Wait()
				ended := time.Now()
				testHookWait = nil
				s.Close()
				if !errors.Is(doErr, iox.ErrKilled) || !errors.Is(doErr, errReason) {
					t.Fatalf("run %d: Do = %v, want the kill", i, doErr)
				}
				if n := h.n.Load(); n != 1 {
					t.Fatalf("run %d: %d attempts, want 1", i, n)
				}
				if d := ended.Sub(time.Unix(0, killedAt.Load())); d > maxDelay {
					maxDelay = d
				}
			}
		})
	}
	within(t, "slowest kill to return", maxDelay, time.Second)
}

// A scope that expires during a backoff ends Do with ErrTimeout.
func TestRetryScopeDuringBackoff(t *testing.T) {
	h := &statuses{codes: []int{503}}
	c := retryClient(t, 10*time.Second, 10*time.Second)
	srv := newServer(t, h.ServeHTTP)
	start := time.Now()
	err := iox.Timeout(50*time.Millisecond, func() error {
		resp, err := c.Get(srv.URL)
		if resp != nil {
			resp.Body.Close()
		}
		return err
	})
	within(t, "scope of 50ms", time.Since(start), time.Second)
	if !errors.Is(err, iox.ErrTimeout) || h.n.Load() != 1 {
		t.Fatalf("Do in a scope = %v after %d attempts, want ErrTimeout after 1", err, h.n.Load())
	}
}

// The end of the request's own context during a backoff ends Do, as
// upstream's timer would.
func TestRetryContextEndsBackoff(t *testing.T) {
	h := &statuses{codes: []int{503}}
	c := retryClient(t, 10*time.Second, 10*time.Second)
	srv := newServer(t, h.ServeHTTP)
	ctx, cancel := context.WithCancel(context.Background())
	setHook(t, &testHookWait, cancel)
	req, _ := retryablehttp.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := c.Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	if !errors.Is(err, context.Canceled) || h.n.Load() != 1 {
		t.Fatalf("Do = %v after %d attempts, want context.Canceled after 1", err, h.n.Load())
	}
}

// An attempt that a kill ends is not retried.
func TestRetryKillDuringAttempt(t *testing.T) {
	entered := make(chan struct{}, 1)
	c := retryClient(t, time.Millisecond, time.Millisecond)
	srv := newServer(t, stall(entered))
	tk := iox.Spawn(func(ctx context.Context) error {
		resp, err := c.Get(srv.URL) // a background context
		if resp != nil {
			resp.Body.Close()
		}
		return err
	})
	<-entered
	tk.Kill(errReason)
	if err := tk.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("Do = %v, want the kill", err)
	}
	select {
	case <-entered:
		t.Fatal("the killed attempt was retried")
	default:
	}
}

// Retry-After is honoured, but capped at RetryWaitMax.
func TestRetryAfterCapped(t *testing.T) {
	h := &statuses{codes: []int{503, 200}, extra: func(w http.ResponseWriter, i int) {
		if i == 0 {
			w.Header().Set("Retry-After", "3600")
		}
	}}
	c := retryClient(t, time.Millisecond, 20*time.Millisecond)
	srv := newServer(t, h.ServeHTTP)
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	start := time.Now()
	tk := s.Go(func(ctx context.Context) error {
		resp, err := c.Get(srv.URL)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	within(t, "Do with Retry-After: 3600", time.Since(start), 5*time.Second)
	waits := log.Of(iox.OpSleep)
	if len(waits) != 1 || waits[0].Detail.(WaitInfo).Wait != 20*time.Millisecond {
		t.Fatalf("wait events %+v, want one of 20ms", waits)
	}
}

// A POST body arrives identical on every attempt, whatever its kind.
func TestRetryPostBodyResent(t *testing.T) {
	const payload = "the payload, resent"
	bodies := []struct {
		name string
		body any
	}{
		{"[]byte", []byte(payload)},
		{"io.ReadSeeker", io.NewSectionReader(strings.NewReader(payload), 0, int64(len(payload)))},
		{"ReaderFunc", retryablehttp.ReaderFunc(func() (io.Reader, error) { return strings.NewReader(payload), nil })},
	}
	c := retryClient(t, time.Millisecond, time.Millisecond)
	for _, b := range bodies {
		t.Run(b.name, func(t *testing.T) {
			h := &statuses{codes: []int{503, 503, 200}}
			srv := newServer(t, h.ServeHTTP)
			tk := iox.Spawn(func(ctx context.Context) error {
				resp, err := c.Post(srv.URL, "text/plain", b.body)
				if err != nil {
					return err
				}
				return resp.Body.Close()
			})
			if err := tk.Wait(); err != nil {
				t.Fatal(err)
			}
			if len(h.seen) != 3 {
				t.Fatalf("%d attempts, want 3", len(h.seen))
			}
			for i, got := range h.seen {
				if string(got) != payload {
					t.Errorf("attempt %d sent %q, want %q", i+1, got, payload)
				}
			}
		})
	}
}

// NewClient logs nothing; a Logger and hooks the user sets still
// work, and so do the user's policies.
func TestRetryLoggerAndHooks(t *testing.T) {
	if NewClient().Logger != nil {
		t.Fatal("NewClient has a Logger: it would print a line per request")
	}
	h := &statuses{codes: []int{418, 418, 200}}
	srv := newServer(t, h.ServeHTTP)
	var buf bytes.Buffer
	c := retryablehttp.NewClient()
	c.HTTPClient = httpx.NewClient()
	t.Cleanup(c.HTTPClient.CloseIdleConnections)
	c.Logger = log.New(&buf, "", 0)
	var hooked []int
	c.RequestLogHook = func(l retryablehttp.Logger, req *http.Request, i int) {
		if l != c.Logger {
			t.Errorf("RequestLogHook got logger %v, want the client's", l)
		}
		hooked = append(hooked, i)
	}
	c.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		return resp != nil && resp.StatusCode == http.StatusTeapot, err
	}
	c.Backoff = func(min, max time.Duration, n int, resp *http.Response) time.Duration { return 2 * time.Millisecond }
	Wrap(c)
	Wrap(c) // does nothing the second time
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		resp, err := c.Get(srv.URL)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(hooked) != "[0 1 2]" {
		t.Errorf("RequestLogHook saw attempts %v, want [0 1 2]", hooked)
	}
	if !strings.Contains(buf.String(), "[DEBUG] GET "+srv.URL) || strings.Count(buf.String(), "retrying in") != 2 {
		t.Errorf("the user's Logger got:\n%s", buf.String())
	}
	for _, e := range log.Of(iox.OpSleep) {
		if e.Detail.(WaitInfo).Wait != 2*time.Millisecond || e.Detail.(WaitInfo).Status != http.StatusTeapot {
			t.Errorf("wait event %+v, want the user's backoff after a 418", e.Detail)
		}
	}
	if n := len(log.Of(iox.OpSleep)); n != 2 {
		t.Errorf("%d wait events, want 2 (wrapped twice?)", n)
	}
}

// Outside any task the client works as retryablehttp's, waits included.
func TestRetryOutsideTasks(t *testing.T) {
	h := &statuses{codes: []int{500, 200}}
	c := retryClient(t, 5*time.Millisecond, 5*time.Millisecond)
	srv := newServer(t, h.ServeHTTP)
	start := time.Now()
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := time.Since(start); d < 5*time.Millisecond || h.n.Load() != 2 {
		t.Fatalf("Do took %v for %d attempts, want 2 attempts and a 5ms wait", d, h.n.Load())
	}
}

// A hook set after the wiring replaces that part of it, and the rest
// copes: the backoff is still waited once, the attempts still succeed.
func TestRetryHooksSetAfterWiring(t *testing.T) {
	cases := []struct {
		name  string
		set   func(c *retryablehttp.Client, calls *atomic.Int32)
		waits []time.Duration // what the waits' events report
	}{
		{"Backoff", func(c *retryablehttp.Client, calls *atomic.Int32) {
			c.Backoff = func(min, max time.Duration, n int, resp *http.Response) time.Duration {
				calls.Add(1)
				return 3 * time.Millisecond
			}
		}, []time.Duration{0, 0}}, // upstream's timer waits, and the waits' events are empty
		{"PrepareRetry", func(c *retryablehttp.Client, calls *atomic.Int32) {
			c.PrepareRetry = func(*http.Request) error { calls.Add(1); return nil }
		}, []time.Duration{3 * time.Millisecond, 6 * time.Millisecond}}, // the next attempt's RequestLogHook waits
		{"RequestLogHook", func(c *retryablehttp.Client, calls *atomic.Int32) {
			c.RequestLogHook = func(retryablehttp.Logger, *http.Request, int) { calls.Add(1) }
		}, []time.Duration{0, 0}}, // Backoff finds no call and lets upstream's timer wait
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &statuses{codes: []int{503, 503, 200}}
			c := retryClient(t, 3*time.Millisecond, time.Second)
			srv := newServer(t, h.ServeHTTP)
			var calls atomic.Int32
			tc.set(c, &calls)
			log := &ioxtest.Recorder{}
			s := iox.New(iox.WithObserver(log))
			defer s.Close()
			start := time.Now()
			tk := s.Go(func(ctx context.Context) error {
				resp, err := c.Get(srv.URL)
				if err != nil {
					return err
				}
				return resp.Body.Close()
			})
			if err := tk.Wait(); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d < 6*time.Millisecond || d > 5*time.Second {
				t.Errorf("Do took %v, want the two waits of 3ms, once", d)
			}
			if h.n.Load() != 3 || calls.Load() < 2 {
				t.Errorf("%d attempts, the user's hook called %d times; want 3 and at least 2", h.n.Load(), calls.Load())
			}
			waits := log.Of(iox.OpSleep)
			if len(waits) != len(tc.waits) {
				t.Fatalf("%d wait events, want %d", len(waits), len(tc.waits))
			}
			for i, e := range waits {
				if got := e.Detail.(WaitInfo).Wait; got != tc.waits[i] {
					t.Errorf("wait event %d says %v, want %v", i, got, tc.waits[i])
				}
			}
		})
	}
}
