package httpx

import (
	"net/http"
	"sync/atomic"

	"github.com/coop-go/coop/iox"
)

// A call is one round trip made through httpx, from RoundTrip until its
// response body is read to its end or closed: the door's binding of the
// request to the task it was made for, and what is given back at the end.
//
// net/http uses the request's context for the whole call, body included,
// so that is where a kill or an expired scope cuts the call short: the
// binding's context is cancelled with the kill error as cause when the
// task is killed, and each blocking call of the round trip or the body
// binds it to its own timeout scope (iox.Binding.Bound); net/http returns
// the cause, so errors.Is finds iox.ErrKilled or iox.ErrTimeout.
type call struct {
	b       *iox.Binding
	stopDL  func() bool   // stops the request's deadline on the scheduler's clock; nil without one
	target  string        // "METHOD host", the target of the call's events
	release func()        // gives the host slot back; nil without a limit
	owner   *roundTripper // whose list of calls in flight has it
	req     *http.Request // the request it was made with
	ended   atomic.Bool

	prev, next *call // in owner's list

	rbody body // the response body, kept here to save an allocation
}

// end releases what the call holds, once: after the body's end, after an
// error, or on Close.
func (c *call) end() {
	if c.ended.Swap(true) {
		return
	}
	if c.stopDL != nil {
		c.stopDL()
	}
	c.b.Release()
	if c.owner != nil {
		c.owner.untrack(c)
	}
	if c.release != nil {
		c.release()
	}
}
