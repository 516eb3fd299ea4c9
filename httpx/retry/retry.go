package httpx

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/hashicorp/go-retryablehttp"
)

// RetryInfo is the Detail of the event of a retry client's backoff wait
// (kind iox.OpRetryWait): the wait after attempt Attempt failed.
type RetryInfo struct {
	Attempt int           // the attempt that failed, from 1; the next one is Attempt+1
	Status  int           // its response's status code; 0 if it returned an error
	Wait    time.Duration // the backoff asked for, Retry-After capped at RetryWaitMax
}

// NewRetryClient returns a go-retryablehttp client wired to the coop
// scheduler as WrapRetryClient wires one, with HTTPClient a NewClient()
// and a nil Logger: retryablehttp's default logger would print a DEBUG
// line per request, and the events say more. Its other settings are
// retryablehttp.NewClient's (4 retries, backoff from 1s to 30s).
func NewRetryClient() *retryablehttp.Client {
	c := retryablehttp.NewClient()
	c.HTTPClient = NewClient()
	c.Logger = nil
	return WrapRetryClient(c)
}

// WrapRetryClient wires c, a go-retryablehttp client, to the coop
// scheduler, keeping its settings, policies and hooks, and returns it:
//
//   - Each attempt is a round trip of c.HTTPClient (NewClient() if it is
//     nil): with an httpx Transport, a blocking call whose event's
//     RoundTripInfo has the attempt number.
//   - Each backoff wait is a blocking call (kind iox.OpRetryWait, target
//     "METHOD host", Detail a RetryInfo) on the scheduler's clock, made
//     for the calling task or the task the request's context carries: it
//     releases the turn in Cooperative mode, and a kill, an expired
//     timeout scope or the end of the request's context ends it and Do
//     at once, with no further attempt. Do's error then matches
//     iox.ErrKilled (and the kill's reason) or iox.ErrTimeout.
//   - An attempt ended by a kill or a scope is not retried.
//   - A wait that a Retry-After header asks for is capped at
//     RetryWaitMax (retryablehttp's DefaultBackoff does not cap it).
//
// The wiring lives in c's RequestLogHook, CheckRetry, Backoff and
// PrepareRetry, which call the ones c had (CheckRetry and Backoff default
// to retryablehttp's DefaultRetryPolicy and DefaultBackoff), so set yours
// before calling WrapRetryClient. One set afterwards replaces that part
// of the wiring, and the rest copes: after a new Backoff or PrepareRetry
// the wait is retryablehttp's own timer again, after a new RequestLogHook
// the attempts go unnumbered. Wrapping a wired client again does nothing.
// The Backoff hook returns 0 to retryablehttp, which waits after it: a
// Logger's "retrying in" line says 0s, and the wait's event has the real
// figure.
//
// Do gives the request a context of httpx's for the call (the first
// RequestLogHook replaces the request's context in place): it is the
// request's own, carrying the call's state, except that its Err returns
// the kill error or iox.ErrTimeout, rather than context.Canceled or
// context.DeadlineExceeded, when that is what ended it. Do returns that
// error if a kill lands between an attempt and its backoff.
func WrapRetryClient(c *retryablehttp.Client) *retryablehttp.Client {
	if c == nil {
		panic("httpx: WrapRetryClient(nil)")
	}
	w := &retryWiring{c: c, logHook: c.RequestLogHook, check: c.CheckRetry, backoff: c.Backoff, prepare: c.PrepareRetry}
	// The method values of one method share their code, whatever the
	// receiver: that identifies the wiring's hooks.
	w.preparePC = reflect.ValueOf(w.prepareRetry).Pointer()
	w.backoffPC = reflect.ValueOf(w.backoffHook).Pointer()
	if ours(c.PrepareRetry, w.preparePC) {
		return c
	}
	if w.check == nil {
		w.check = retryablehttp.DefaultRetryPolicy
	}
	if w.backoff == nil {
		w.backoff = retryablehttp.DefaultBackoff
	}
	c.RequestLogHook = w.requestLogHook
	c.CheckRetry = w.checkRetry
	c.Backoff = w.backoffHook
	c.PrepareRetry = w.prepareRetry
	if c.HTTPClient == nil {
		c.HTTPClient = NewClient()
	}
	return c
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
// The first RequestLogHook gives the request a retryCall as its context:
// the state that the hooks and the transport (for the attempt number)
// share, and an Err that returns the kill error if the select above sees
// a kill that landed after CheckRetry.

// A retryWiring is the hooks WrapRetryClient gives a client, and the
// client's own.
type retryWiring struct {
	c       *retryablehttp.Client
	logHook retryablehttp.RequestLogHook
	check   retryablehttp.CheckRetry
	backoff retryablehttp.Backoff
	prepare retryablehttp.PrepareRetry

	preparePC, backoffPC uintptr // the code of the wiring's hooks
}

// ours reports whether hook, a function, is the wiring's whose code is at
// pc.
func ours(hook any, pc uintptr) bool {
	v := reflect.ValueOf(hook)
	return v.Kind() == reflect.Func && !v.IsNil() && v.Pointer() == pc
}

// retryCall is the context of a request under Do.
type retryCall struct {
	context.Context               // the request's own
	target          string        // "METHOD host"
	attempt         int           // the attempt under way, from 0 as upstream counts
	waitSet         bool          // the Backoff hook set wait and status for this attempt
	status          int           // the failed attempt's status, for the wait's event
	wait            time.Duration // the backoff before the next attempt
}

type retryKey struct{}

func (rc *retryCall) Value(key any) any {
	if _, ok := key.(retryKey); ok {
		return rc
	}
	return rc.Context.Value(key)
}

// Err returns the request's context's error, or the kill error or
// iox.ErrTimeout if that is what ended it.
func (rc *retryCall) Err() error {
	err := rc.Context.Err()
	if err != nil {
		if cause := context.Cause(rc.Context); isCoop(cause) {
			return cause
		}
	}
	return err
}

func retryCallOf(ctx context.Context) *retryCall {
	rc, _ := ctx.Value(retryKey{}).(*retryCall)
	return rc
}

// attempt returns the number, from 1, of the retry client's attempt that
// req belongs to, or 0.
func attempt(req *http.Request) int {
	if rc := retryCallOf(req.Context()); rc != nil {
		return rc.attempt + 1
	}
	return 0
}

func (w *retryWiring) requestLogHook(l retryablehttp.Logger, req *http.Request, i int) {
	if i == 0 {
		parent := req.Context()
		if rc, ok := parent.(*retryCall); ok {
			parent = rc.Context // the request was given to Do before
		}
		*req = *req.WithContext(&retryCall{Context: parent, target: requestTarget(req)})
	} else if rc := retryCallOf(req.Context()); rc != nil {
		rc.attempt, rc.waitSet = i, false
	}
	if w.logHook != nil {
		w.logHook(l, req, i)
	}
}

func (w *retryWiring) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if isCoop(err) {
		return false, err
	}
	return w.check(ctx, resp, err)
}

// backoffHook computes the wait after attempt i for PrepareRetry, which
// makes it, and returns 0 to upstream; or returns it to upstream, whose
// timer then makes it, if PrepareRetry is no longer the wiring's.
func (w *retryWiring) backoffHook(min, max time.Duration, i int, resp *http.Response) time.Duration {
	d := w.backoffAfter(min, max, i, resp)
	if !ours(w.c.PrepareRetry, w.preparePC) {
		return d
	}
	if resp != nil && resp.Request != nil {
		if rc := retryCallOf(resp.Request.Context()); rc != nil {
			rc.wait, rc.status, rc.waitSet = d, resp.StatusCode, true
		}
	}
	// Without a response PrepareRetry computes the same: the policy
	// only had the attempt number to go on.
	return 0
}

// backoffAfter returns the wait after attempt i (from 0), which got resp.
func (w *retryWiring) backoffAfter(min, max time.Duration, i int, resp *http.Response) time.Duration {
	d := w.backoff(min, max, i, resp)
	if resp != nil && resp.Header.Get("Retry-After") != "" && d > max {
		d = max
	}
	return d
}

// testHookRetryWait, when set by a test, runs when a backoff wait has
// begun.
var testHookRetryWait func()

func (w *retryWiring) prepareRetry(req *http.Request) error {
	ctx := req.Context()
	rc := retryCallOf(ctx)
	var info RetryInfo
	target := requestTarget(req)
	if rc != nil {
		info.Attempt, target = rc.attempt+1, rc.target
		if rc.waitSet {
			info.Status = rc.status
		}
	}
	switch lo, hi := w.c.RetryWaitMin, w.c.RetryWaitMax; {
	case !ours(w.c.Backoff, w.backoffPC):
		// A Backoff set after the wiring: upstream's timer has waited, and
		// this wait only checks for a kill or a scope.
	case rc == nil:
		// A RequestLogHook set after the wiring: the attempt is unknown,
		// so wait as after the first.
		info.Wait = w.backoffAfter(lo, hi, 0, nil)
	case rc.waitSet:
		info.Wait = rc.wait
	default:
		// The failed attempt had no response: the policy only has the
		// attempt's number to go on.
		info.Wait = w.backoffAfter(lo, hi, rc.attempt, nil)
	}
	op, err := iox.Begin(ctx, iox.OpRetryWait, target)
	if err != nil {
		return err
	}
	op.SetDetail(info)
	if testHookRetryWait != nil {
		testHookRetryWait()
	}
	if err := op.End(0, op.Wait(ctx, max(info.Wait, 0))); err != nil {
		return err
	}
	if w.prepare != nil {
		return w.prepare(req)
	}
	return nil
}

// requestTarget returns the target of req's events: "METHOD host".
func requestTarget(req *http.Request) string {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	return method + " " + req.URL.Host
}
