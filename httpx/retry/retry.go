// Package retry wires go-retryablehttp clients to the coop scheduler:
// each attempt is an httpx round trip, and each backoff wait a blocking
// call on the scheduler's clock (killable, bound by timeout scopes, turn
// releasing, virtual in Simulated mode) instead of a hidden real timer.
//
// It is a package of its own so that httpx does not import
// go-retryablehttp: a go-retryablehttp whose imports are swapped to httpx
// (by coop's build-time patch) would otherwise be an import cycle.
package retry

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/internal/attempt"
	"github.com/coop-go/coop/internal/goid"
	"github.com/coop-go/coop/iox"
	"github.com/hashicorp/go-retryablehttp"
)

// WaitInfo is the Detail of the event of a retry client's backoff wait
// (kind iox.OpSleep, target "METHOD host"): the wait after attempt
// Attempt failed.
type WaitInfo struct {
	Attempt int           // the attempt that failed, from 1; the next one is Attempt+1
	Status  int           // its response's status code; 0 if it returned an error
	Wait    time.Duration // the backoff asked for, Retry-After capped at RetryWaitMax
}

// NewClient returns a go-retryablehttp client wired to the coop scheduler
// as Wrap wires one, with HTTPClient an httpx.NewClient() and a nil
// Logger: retryablehttp's default logger would print a DEBUG line per
// request, and the scheduler's events say more. Its other settings are
// retryablehttp.NewClient's (4 retries, backoff from 1s to 30s).
func NewClient() *retryablehttp.Client {
	c := retryablehttp.NewClient()
	c.HTTPClient = httpx.NewClient()
	c.Logger = nil
	return Wrap(c)
}

// Wrap wires c, a go-retryablehttp client, to the coop scheduler, keeping
// its settings, policies and hooks, and returns it:
//
//   - Each attempt is a round trip of c.HTTPClient (httpx.NewClient() if
//     it is nil): with an httpx Transport, a blocking call whose event's
//     httpx.RoundTripInfo has the attempt number.
//   - Each backoff wait is a blocking call (kind iox.OpSleep, target
//     "METHOD host", Detail a WaitInfo) on the scheduler's clock, made for
//     the calling task or the task the request's context carries: it
//     releases the turn in Cooperative mode, and a kill, an expired
//     timeout scope or the end of the request's context ends it and Do at
//     once, with no further attempt. Do's error then matches iox.ErrKilled
//     (and the kill's reason) or iox.ErrTimeout.
//   - An attempt ended by a kill or a scope is not retried.
//   - A wait that a Retry-After header asks for is capped at RetryWaitMax
//     (retryablehttp's DefaultBackoff does not cap it).
//
// The wiring lives in c's RequestLogHook, CheckRetry, Backoff and
// PrepareRetry, which call the ones c had (CheckRetry and Backoff default
// to retryablehttp's DefaultRetryPolicy and DefaultBackoff), so set yours
// before calling Wrap. A hook set afterwards replaces that part of the
// wiring, and the rest copes: after a new Backoff the wait is
// retryablehttp's own timer again, after a new PrepareRetry the wait is
// made before the next attempt, after a new RequestLogHook the attempts go
// unnumbered. Wrapping a wired client again does nothing. The Backoff
// hook returns 0 to retryablehttp, which waits after it: a Logger's
// "retrying in" line says 0s, and the wait's event has the real figure.
//
// Do gives the request a context of the wiring's (the first
// RequestLogHook replaces the request's context in place): the request's
// own, carrying the call's state, except that its Err returns the kill
// error or iox.ErrTimeout, rather than context.Canceled or
// context.DeadlineExceeded, when that is what ended it.
func Wrap(c *retryablehttp.Client) *retryablehttp.Client {
	if c == nil {
		panic("retry: Wrap(nil)")
	}
	if !remember(c) {
		return c // wired already
	}
	if c.CheckRetry == nil {
		c.CheckRetry = retryablehttp.DefaultRetryPolicy
	}
	if c.Backoff == nil {
		c.Backoff = retryablehttp.DefaultBackoff
	}
	w := NewWiring(func() Settings { return Settings{c.RetryMax, c.RetryWaitMin, c.RetryWaitMax} },
		c.RequestLogHook, c.CheckRetry, c.Backoff, c.PrepareRetry)
	c.RequestLogHook = w.RequestLogHook
	c.CheckRetry = w.CheckRetry
	c.Backoff = w.Backoff
	c.PrepareRetry = w.PrepareRetry
	if c.HTTPClient == nil {
		c.HTTPClient = httpx.NewClient()
	}
	return c
}

// wired holds weakly the clients Wrap has wired, so that wrapping one
// again does nothing; a client's entry goes with the client.
var wired sync.Map // weak.Pointer[retryablehttp.Client] -> struct{}

// remember records c as wired, and reports false if it was already.
func remember(c *retryablehttp.Client) bool {
	wp := weak.Make(c)
	if _, loaded := wired.LoadOrStore(wp, struct{}{}); loaded {
		return false
	}
	runtime.AddCleanup(c, func(wp weak.Pointer[retryablehttp.Client]) { wired.Delete(wp) }, wp)
	return true
}

// How the wiring rides retryablehttp v0.7's Do loop, which runs on the
// caller's goroutine:
//
//	for i := 0; ; i++ {
//		rewind the body; RequestLogHook(logger, req, i)
//		resp, doErr = HTTPClient.Do(req)           // the attempt
//		retry, checkErr = CheckRetry(req.Context(), resp, doErr)
//		if !retry || i == RetryMax { break }
//		drain resp; wait := Backoff(min, max, i, resp)
//		select {                                    // a real timer
//		case <-req.Context().Done(): return nil, req.Context().Err()
//		case <-time.NewTimer(wait).C:
//		}
//		if err := PrepareRetry(req); err != nil { break } // Do returns err
//	}
//
// Backoff gets no context, and its wait is upstream's real timer raced
// against the request's context: a kill landing there would end Do with
// a bare context.Canceled half the time, and with one more attempt the
// other half if the request's context is not the task's. So the wait
// happens in PrepareRetry instead, after that select and before the next
// attempt, as a blocking call; its error ends Do without another
// attempt. The Backoff hook computes the wait and returns 0 to upstream.
// The first RequestLogHook gives the request a call as its context: the
// state the hooks share, the attempt number for httpx's round trips, and
// an Err that returns the kill error if the select above sees a kill that
// landed after CheckRetry.
//
// The hooks know which of them were replaced by what they see, not by
// comparing functions. CheckRetry hands the request's call to the Backoff
// upstream calls next on the same goroutine, which records the wait in
// it: a PrepareRetry that finds no wait recorded knows Backoff is not the
// wiring's (upstream's timer waited); a RequestLogHook that finds a wait
// recorded and not made knows PrepareRetry is not the wiring's, and makes
// the wait itself.

// Settings are what the wiring reads of a client's settings, at each use.
type Settings struct {
	RetryMax     int
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
}

// A Wiring is the hooks Wrap gives a client, over the client's own: its
// methods are the client's RequestLogHook, CheckRetry, Backoff and
// PrepareRetry. L is the client's Logger type. Wrap makes one for a
// go-retryablehttp client; make one with NewWiring only for a copy of
// go-retryablehttp under another import path (a fork), whose types are
// not go-retryablehttp's. A Wiring is safe for concurrent use.
type Wiring[L any] struct {
	settings func() Settings
	logHook  func(L, *http.Request, int)
	check    func(context.Context, *http.Response, error) (bool, error)
	backoff  func(min, max time.Duration, attempt int, resp *http.Response) time.Duration
	prepare  func(*http.Request) error

	// next hands a request's call from CheckRetry to the Backoff that
	// upstream calls right after it on the same goroutine, which gets no
	// request when the attempt failed without a response; by goroutine id.
	next sync.Map // int64 -> *call
}

// NewWiring returns the wiring of a client with the given settings and
// hooks (the client's own; logHook and prepare may be nil, check and
// backoff may not: give the defaults). See Wrap for what it does.
func NewWiring[L any](settings func() Settings,
	logHook func(L, *http.Request, int),
	check func(context.Context, *http.Response, error) (bool, error),
	backoff func(min, max time.Duration, attempt int, resp *http.Response) time.Duration,
	prepare func(*http.Request) error) *Wiring[L] {
	if settings == nil || check == nil || backoff == nil {
		panic("retry: NewWiring needs settings, check and backoff")
	}
	return &Wiring[L]{settings: settings, logHook: logHook, check: check, backoff: backoff, prepare: prepare}
}

// call is the context of a request under Do.
type call struct {
	context.Context               // the request's own
	target          string        // "METHOD host"
	attempt         int           // the attempt under way, from 0 as upstream counts
	waitSet         bool          // the Backoff hook recorded a wait for this attempt
	waited          bool          // that wait was made
	status          int           // the failed attempt's status, for the wait's event
	wait            time.Duration // the backoff before the next attempt
}

type callKey struct{}

func (rc *call) Value(key any) any {
	switch key.(type) {
	case callKey:
		return rc
	case attempt.Key:
		return rc.attempt + 1
	}
	return rc.Context.Value(key)
}

// Err returns the request's context's error, or the kill error or
// iox.ErrTimeout if that is what ended it.
func (rc *call) Err() error {
	err := rc.Context.Err()
	if err != nil {
		if cause := context.Cause(rc.Context); isCoop(cause) {
			return cause
		}
	}
	return err
}

func callOf(ctx context.Context) *call {
	rc, _ := ctx.Value(callKey{}).(*call)
	return rc
}

// isCoop reports whether err is the scheduler's: a kill or an expired
// timeout scope.
func isCoop(err error) bool {
	return err != nil && (errors.Is(err, iox.ErrKilled) || errors.Is(err, iox.ErrTimeout))
}

// RequestLogHook is the client's RequestLogHook: it gives the request the
// call's context on the first attempt and counts the attempts.
func (w *Wiring[L]) RequestLogHook(l L, req *http.Request, i int) {
	if i == 0 {
		parent := req.Context()
		if rc, ok := parent.(*call); ok {
			parent = rc.Context // the request was given to Do before
		}
		*req = *req.WithContext(&call{Context: parent, target: target(req)})
	} else if rc := callOf(req.Context()); rc != nil {
		if rc.waitSet && !rc.waited {
			// PrepareRetry is not the wiring's: make the wait here. If it
			// is cut short, the attempt fails at once, and is not retried.
			w.sleep(req.Context(), rc.target, w.info(rc))
		}
		rc.attempt, rc.waitSet, rc.waited = i, false, false
	}
	if w.logHook != nil {
		w.logHook(l, req, i)
	}
}

// CheckRetry is the client's CheckRetry: an attempt a kill or a scope
// ended is not retried; otherwise the client's own policy decides.
func (w *Wiring[L]) CheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if isCoop(err) {
		return false, err
	}
	retry, cerr := w.check(ctx, resp, err)
	// Upstream calls Backoff next exactly when the policy retries and
	// attempts are left.
	if rc := callOf(ctx); rc != nil && retry && rc.attempt < w.settings().RetryMax {
		w.next.Store(goid.Get(), rc)
	}
	return retry, cerr
}

// Backoff is the client's Backoff: it computes the wait after attempt i
// with the client's own, for PrepareRetry, which makes it, and returns 0
// to upstream.
func (w *Wiring[L]) Backoff(min, max time.Duration, i int, resp *http.Response) time.Duration {
	d := w.backoffAfter(min, max, i, resp)
	var rc *call
	if v, ok := w.next.LoadAndDelete(goid.Get()); ok {
		rc = v.(*call)
	} else if resp != nil && resp.Request != nil {
		rc = callOf(resp.Request.Context())
	}
	if rc == nil {
		return d // a request Do did not start (a RequestLogHook set after the wiring): upstream waits
	}
	rc.wait, rc.waitSet = d, true
	if resp != nil {
		rc.status = resp.StatusCode
	}
	return 0
}

// backoffAfter returns the wait after attempt i (from 0), which got resp.
func (w *Wiring[L]) backoffAfter(min, max time.Duration, i int, resp *http.Response) time.Duration {
	d := w.backoff(min, max, i, resp)
	if resp != nil && resp.Header.Get("Retry-After") != "" && d > max {
		d = max
	}
	return d
}

// info returns the wait to make after rc's attempt.
func (w *Wiring[L]) info(rc *call) WaitInfo {
	return WaitInfo{Attempt: rc.attempt + 1, Status: rc.status, Wait: rc.wait}
}

// testHookWait, when set by a test, runs when a backoff wait has begun.
var testHookWait func()

// PrepareRetry is the client's PrepareRetry: it makes the backoff wait,
// as a blocking call of the scheduler, then calls the client's own.
func (w *Wiring[L]) PrepareRetry(req *http.Request) error {
	ctx := req.Context()
	rc := callOf(ctx)
	var info WaitInfo
	tgt := target(req)
	switch {
	case rc == nil:
		// A RequestLogHook set after the wiring: Backoff returned the wait
		// to upstream, which made it; this only checks for a kill or a
		// scope.
	case !rc.waitSet:
		// A Backoff set after the wiring (the wiring's always records the
		// wait): upstream's timer has waited, and this wait only checks
		// for a kill or a scope.
		info = WaitInfo{Attempt: rc.attempt + 1}
		tgt = rc.target
	default:
		info, tgt = w.info(rc), rc.target
	}
	if rc != nil {
		rc.waited = true
	}
	if err := w.sleep(ctx, tgt, info); err != nil {
		return err
	}
	if w.prepare != nil {
		return w.prepare(req)
	}
	return nil
}

// sleep makes a backoff wait as a blocking call of the scheduler.
func (w *Wiring[L]) sleep(ctx context.Context, tgt string, info WaitInfo) error {
	op, err := iox.Begin(ctx, iox.OpSleep, tgt)
	if err != nil {
		return err
	}
	op.SetDetail(info)
	if testHookWait != nil {
		testHookWait()
	}
	return op.End(0, op.Wait(ctx, max(info.Wait, 0)))
}

// target returns the target of req's events: "METHOD host".
func target(req *http.Request) string {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	return method + " " + req.URL.Host
}
