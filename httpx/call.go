package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/coop-go/coop/iox"
)

// A call is one round trip made through httpx, from RoundTrip until its
// response body is read to its end or closed: the context the underlying
// transport sees, bound to the calling task's kill, and what is given
// back at the end.
//
// net/http uses the request's context for the whole call, body included,
// so that is where a kill or an expired scope cuts the call short:
//
//   - A kill of the task that made the request cancels the context with
//     the kill error as cause (net/http returns the cause, so errors.Is
//     finds iox.ErrKilled in the round trip's error and in the error of a
//     body read blocked mid-stream).
//   - A timeout scope binds only the blocking calls made inside it: the
//     round trip, and each body read. While one of them blocks, a timer
//     set to the scope's deadline cancels the context with cause
//     iox.ErrTimeout; a body read after the scope has ended is not bound
//     by it.
type call struct {
	ctx     context.Context // what the underlying transport sees
	cancel  context.CancelCauseFunc
	stop    func() bool   // unregisters the kill binding; nil off a task
	target  string        // "METHOD host", the target of the call's events
	release func()        // gives the host slot back; nil without a limit
	owner   *roundTripper // whose list of calls in flight has it
	req     *http.Request // the request it was made with
	ended   atomic.Bool

	prev, next *call // in owner's list

	// Kept here to save allocations: ctx points at tv on a task, and the
	// response body is b.
	tv taskValues
	b  body
}

// newCall starts a call for req, made on the calling goroutine.
func newCall(req *http.Request, target string, release func()) *call {
	ctx, cancel := context.WithCancelCause(req.Context())
	c := &call{ctx: ctx, cancel: cancel, target: target, release: release}
	if t := iox.Current(); t != nil {
		tctx := t.Context()
		// net/http dials on its own goroutine, with a context that keeps
		// the request's values: the task must be among them for netx to
		// report the dial for it and end it on a kill.
		c.tv = taskValues{Context: ctx, task: tctx}
		c.ctx = &c.tv
		c.stop = context.AfterFunc(tctx, func() {
			if cause := context.Cause(tctx); isCoop(cause) {
				cancel(cause)
			}
		})
	}
	return c
}

// end releases what the call holds, once: after the body's end, after an
// error, or on Close.
func (c *call) end() {
	if c.ended.Swap(true) {
		return
	}
	if c.stop != nil {
		c.stop()
	}
	c.cancel(context.Canceled)
	if c.owner != nil {
		c.owner.untrack(c)
	}
	if c.release != nil {
		c.release()
	}
}

// bound cuts the call short with iox.ErrTimeout when the timeout scope
// around op expires, until the returned function is called; that reports
// false if the scope has cut the call.
func (c *call) bound(op *iox.Op) (stop func() bool) {
	return op.AfterExpiry(func() { c.cancel(iox.ErrTimeout) })
}

// cause returns err, what net/http returned, or the kill error or
// iox.ErrTimeout if that is what cut the call short and err does not say
// so already.
func (c *call) cause(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	if cause := context.Cause(c.ctx); isCoop(cause) && !errors.Is(err, cause) {
		return cause
	}
	return err
}

// isCoop reports whether err is the scheduler's: a kill or an expired
// timeout scope.
func isCoop(err error) bool {
	return err != nil && (errors.Is(err, iox.ErrKilled) || errors.Is(err, iox.ErrTimeout))
}

// taskValues is a request's context with the calling task's values under
// it, so that calls made off the task's goroutine with this context (net/
// http's dials) are reported for the task. The request's own values come
// first; the task's context adds the task.
type taskValues struct {
	context.Context
	task context.Context
}

func (c *taskValues) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.task.Value(key)
}
