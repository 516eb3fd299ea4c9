package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"os"
	"sync"

	"github.com/coop-go/coop/internal/attempt"
	"github.com/coop-go/coop/iox"
)

// A roundTripper makes each round trip of base a blocking call of the
// coop scheduler: the heart of Transport, and what PatchDefault gives
// http.DefaultClient.
type roundTripper struct {
	base  http.RoundTripper
	limit *hostLimit // nil: no per-host limit
	patch bool       // made by PatchDefault

	// The calls in flight, a list through call.prev and call.next, for
	// the deprecated CancelRequest; requests that went straight to base
	// are base's to cancel.
	mu    sync.Mutex
	calls *call
}

// RoundTrip implements http.RoundTripper. The round trip is a blocking
// call (kind iox.OpRoundTrip, target "METHOD host") of the calling task,
// or of the task req's context carries: it does not start in a killed
// task or an expired timeout scope, it releases the turn in Cooperative
// mode, and a kill or a scope that expires while it waits ends it with
// the kill error or iox.ErrTimeout. Its event's Detail is a
// RoundTripInfo. The response body's reads are blocking calls too.
func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		return rt.base.RoundTrip(req) // which says what is wrong
	}
	target := requestTarget(req)
	var release func()
	if rt.limit != nil {
		r, err := rt.limit.acquire(req.Context(), hostKey(req.URL))
		if err != nil {
			closeBody(req)
			return nil, err
		}
		release = r
	}
	op, err := iox.Begin(req.Context(), iox.OpRoundTrip, target)
	if err != nil {
		if release != nil {
			release()
		}
		closeBody(req)
		return nil, err
	}
	if op == nil && release == nil {
		return rt.base.RoundTrip(req) // nothing in force
	}
	c := &call{b: op.Bind(req.Context()), target: target, release: release}
	if dl, ok := req.Context().Deadline(); ok {
		// Client.Timeout, or the caller's deadline: on the scheduler's
		// clock, for the whole call, body included (see Binding.Until).
		c.stopDL = c.b.Until(dl, errDeadline)
	}
	rt.track(c, req)
	ctx := c.b.Context()
	var tr *tracer
	if op.Reported() {
		tr = &tracer{now: op.Now}
		ctx = httptrace.WithClientTrace(ctx, tr.clientTrace())
	}
	stop := c.b.Bound(op)
	resp, err := rt.base.RoundTrip(req.WithContext(ctx))
	if !stop() && err == nil {
		// The scope expired as the response came: its body is cut off.
		resp.Body.Close()
		resp, err = nil, c.b.Cause()
	}
	if tr != nil {
		op.SetDetail(tr.result(resp, attempt.Of(req.Context())))
	}
	if err != nil {
		err = c.b.Err(err)
		c.end()
		return nil, op.End(0, err)
	}
	op.End(0, nil)
	resp.Request = req
	resp.Body = c.body(resp.Body)
	return resp, nil
}

// track lists c, made with req, among the calls in flight.
func (rt *roundTripper) track(c *call, req *http.Request) {
	c.owner, c.req = rt, req
	rt.mu.Lock()
	c.next = rt.calls
	if c.next != nil {
		c.next.prev = c
	}
	rt.calls = c
	rt.mu.Unlock()
}

// untrack takes c off the list.
func (rt *roundTripper) untrack(c *call) {
	rt.mu.Lock()
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		rt.calls = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next = nil, nil
	rt.mu.Unlock()
}

// cancel cancels the call in flight made with req, as the deprecated
// http.Transport.CancelRequest does, and reports whether there was one.
func (rt *roundTripper) cancel(req *http.Request) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for c := rt.calls; c != nil; c = c.next {
		if c.req == req {
			c.b.Cancel(errRequestCanceled)
			return true
		}
	}
	return false
}

// CloseIdleConnections closes the idle connections of the underlying
// transport, if it has a CloseIdleConnections method.
func (rt *roundTripper) CloseIdleConnections() {
	if ci, ok := rt.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// errRequestCanceled is the cause a CancelRequest gives, as net/http's.
var errRequestCanceled = errors.New("net/http: request canceled")

// closeBody closes the body of a request that will not be sent, as a
// RoundTripper must.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// requestTarget returns the target of req's events: "METHOD host".
func requestTarget(req *http.Request) string {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	return method + " " + req.URL.Host
}

// errDeadline ends a call whose request's deadline (Client.Timeout, or the
// caller's) passed on the scheduler's clock. It is a timeout, as net/http's
// own errors for it are: url.Error's Timeout reports true, and errors.Is
// finds context.DeadlineExceeded and os.ErrDeadlineExceeded.
var errDeadline error = deadlineError{}

type deadlineError struct{}

func (deadlineError) Error() string {
	return "httpx: request deadline exceeded (Client.Timeout or the context's)"
}
func (deadlineError) Timeout() bool   { return true }
func (deadlineError) Temporary() bool { return true }
func (deadlineError) Is(target error) bool {
	return target == context.DeadlineExceeded || target == os.ErrDeadlineExceeded
}
