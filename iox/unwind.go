package iox

import "runtime"

// check returns the kill error of the goroutine's task, or ErrTimeout if its
// scope has expired, or nil.
func (g *gstate) check() error {
	if k := g.killErr(); k != nil {
		return k
	}
	if g.expired() {
		return ErrTimeout
	}
	return nil
}

// mustBegin opens a call that has no error result: if the task is killed or
// the scope expired, it unwinds instead.
func (g *gstate) mustBegin(kind OpKind, target string) *Op {
	op, err := g.begin(kind, target)
	if err != nil {
		g.unwind(err)
	}
	return op
}

// mustEnd ends such a call, unwinding if it was interrupted.
func (g *gstate) mustEnd(op *Op, err error) {
	if err = op.End(0, err); err != nil {
		g.unwind(err)
	}
}

// unwind leaves a call that has no error result and was interrupted: a
// kill ends the task as runtime.Goexit does (deferred calls run, Wait
// returns the kill error), an expired scope panics with a value the scope's
// Timeout recovers.
func (g *gstate) unwind(err error) {
	if g.killErr() != nil {
		runtime.Goexit()
	}
	panic(scopePanic{g.expiredScope()})
}
