package iox

import "runtime"

// How a goroutine leaves a call that was cut short and cannot say so.
//
// Calls without an error result (Sleep, Lock, Recv, Yield, waiting on a
// timer) unwind at once. Calls with one return the error, toldLimit times
// (counted in gstate.killTold, scope.told): enough for the error path of
// the code that got it to finish, since Go libraries make a call or two
// on their way out after an error (a retry client drains the failed
// response's body, a driver closes its conn), and unwinding inside them
// would hide the error from the caller. The next blocking call unwinds,
// so a loop that logs and ignores errors ends within a few iterations, as
// gevent's GreenletExit ends a greenlet at its next switch. Unwinding sets
// gstate.unwinding: the deferred cleanup that runs while the goroutine
// unwinds gets errors from its calls, rather than unwinding again from
// inside a deferred function.

// toldLimit is how many calls of a goroutine return the kill error, or an
// expired scope's, before the next one unwinds.
const toldLimit = 4

// unwindFor unwinds the goroutine for err, the error that cut a call
// without an error result short: its task's kill, or its scope's expiry.
func (g *gstate) unwindFor(err error) {
	if k := g.killErr(); k != nil && err == error(k) {
		g.unwind(k)
	}
	g.unwindScope(g.expiredScope())
}

// unwind ends the task as runtime.Goexit does: deferred calls run, and
// Wait returns the kill error.
func (g *gstate) unwind(error) {
	g.killTold, g.unwinding = toldLimit, true
	runtime.Goexit()
}

// unwindScope panics with a value that the Timeout of scope sc recovers.
func (g *gstate) unwindScope(sc *scope) {
	if sc != nil {
		sc.told = toldLimit
	}
	g.unwinding = true
	panic(scopePanic{sc})
}
