package iox

import (
	"context"
	"errors"
	"time"
)

// This file is the one wait of iox. Every blocking call that coop itself
// waits in (Sleep, Recv, Send, Lock, Flag.Wait, Queue, Pool, Group.Wait,
// Task.Wait, JoinAll, Op.Wait, Scheduler.Close) is a use of wait: it arms
// the wait's limits once, lets the caller select on them next to its own
// channel, and maps what fired to an error in one place. Waits park on
// channels only, never on a contended mutex, so that coop runs inside a
// testing/synctest bubble.

// armed is one wait of one goroutine, armed once: timerC fires when the
// wait's own limit passes, scopeC closes when the goroutine's timeout
// scope expires, and doneC when its task is killed. The caller selects on
// its own channel and these, then returns timedOut, expired or done for
// what fired.
type armed struct {
	g      *gstate
	timerC <-chan time.Time
	scopeC <-chan struct{}
	doneC  <-chan struct{}
	timer  clockTimer // stopped by disarm
	early  error      // the wait was over before it was armed
}

// errUntil is a wait's result when its own limit passed; callers turn it
// into their own result and never return it.
var errUntil = errors.New("iox: wait limit reached")

// arm arms a wait of g (nil: a goroutine that is no task and has no
// scope) with its own limit until (zero: none). An interruptible wait also
// ends when g's task is killed or its scope expires.
func arm(g *gstate, until time.Time, interruptible bool) armed {
	a := armed{g: g}
	if interruptible && g != nil {
		if g.task != nil {
			a.doneC = g.task.ctxv.Done()
		}
		if g.scope != nil {
			if g.scope.dead() {
				a.early = a.expired()
				return a
			}
			a.scopeC = g.scope.done
		}
	}
	if until.IsZero() {
		return a
	}
	c := g.sched().clock
	d := until.Sub(c.Now())
	if d <= 0 {
		a.early = errUntil
		return a
	}
	if g != nil {
		if g.timer == nil {
			g.timer = c.NewTimer(d)
		} else {
			g.timer.Reset(d)
		}
		a.timer = g.timer
	} else {
		a.timer = c.NewTimer(d)
	}
	a.timerC = a.timer.C()
	return a
}

func (a *armed) disarm() {
	if a.timer != nil {
		a.timer.Stop()
	}
}

// timedOut is the error of a wait whose timerC fired: its own limit.
func (a *armed) timedOut() error { return errUntil }

// expired is the error of a wait whose scopeC closed.
func (a *armed) expired() error { return a.g.expiredScope().deadErr() }

// done is the error of a wait whose doneC closed: the task's kill, or the
// deadline it inherited.
func (a *armed) done() error {
	if k := a.g.killErr(); k != nil {
		return k
	}
	return a.g.expiredScope().deadErr()
}

// waitHow says what a wait does when it is cut short.
type waitHow uint8

const (
	waitReturns    waitHow = iota // returns the error (calls with an error result)
	waitUnwinds                   // unwinds (calls without one: Sleep, Recv, Lock...)
	waitUncuttable                // is not cut short; still reported and gives the turn up
)

// wait runs one blocking wait of kind on target for g (nil: a goroutine
// that is no task and has no scope) through the three paths every wait
// has:
//
//   - instant: ready reports that the wait is over at once (a value was
//     there); it is reported as a call that did not block, and the turn
//     stays. ready may be nil.
//   - no task: the wait blocks as it would without coop, reported if
//     anyone observes, and ends only by block's own channel or until.
//   - task (or scope): the call goes through the door (refused in a killed
//     task or an expired scope), gives the turn up, and block waits with
//     the armed channels; End maps what fired.
//
// until is the wait's own limit (zero: none): when it passes first, the
// wait's result is errUntil. block must select on its own channel and
// a.timerC, a.scopeC and a.doneC, and return nil when its channel was
// ready, or a.timedOut(), a.expired() or a.done(). A wait that was cut short with nothing moved
// must say so through cancel, which reports whether block's channel was
// served meanwhile (a Queue's waiter handed a value as it gave up): then
// the wait completes instead.
func wait(g *gstate, how waitHow, kind OpKind, target string, until time.Time,
	ready func() bool, block func(a *armed) error, cancel func() (served bool)) error {
	if g != nil && g.s != nil && g.s.sim != nil && g.depth == 0 {
		g.s.sim.acquire(g) // in the world's order, before anything is checked
	}
	if g != nil {
		if how == waitUncuttable {
			g.delivering++ // neither refused nor cut short
			defer func() { g.delivering-- }()
		} else if err := g.refuse(); err != nil {
			return g.cut(how, err)
		}
	}
	if ready != nil && ready() {
		instant(g, kind, target)
		return nil
	}
	var op *Op
	var err error
	if g == nil {
		op, _ = beginDetached(context.Background(), kind, target)
	} else {
		op, err = g.begin(context.Background(), kind, target)
		if err != nil {
			return g.cut(how, err)
		}
	}
	a := arm(g, until, how != waitUncuttable && g != nil)
	if a.early != nil {
		err = a.early
	} else {
		err = block(&a)
	}
	a.disarm()
	if err != nil && err != errUntil && cancel != nil && cancel() {
		err = nil // served while it was being cut short: keep what moved
	}
	if err == errUntil {
		err = op.End(0, nil)
		if err == nil {
			err = errUntil
		}
	} else {
		err = op.End(0, err)
	}
	if err != nil && err != errUntil && g != nil {
		return g.cut(how, err)
	}
	return err
}

// cut is what a wait does with the error that cut it short.
func (g *gstate) cut(how waitHow, err error) error {
	if how == waitUnwinds {
		g.unwindFor(err)
	}
	return err
}

// waitUnwinding is wait for a call without an error result: a kill or an
// expired scope unwinds, and reaching until is not an error.
func waitUnwinding(g *gstate, kind OpKind, target string, until time.Time, ready func() bool, block func(a *armed) error) {
	wait(g, waitUnwinds, kind, target, until, ready, block, nil)
}

// waitChan waits until ch is closed, as a blocking call of kind on target
// with an error result.
func waitChan(g *gstate, how waitHow, kind OpKind, target string, ch <-chan struct{}) error {
	return wait(g, how, kind, target, time.Time{},
		func() bool {
			select {
			case <-ch:
				return true
			default:
				return false
			}
		},
		func(a *armed) error { return a.on(ch) }, nil)
}

// on waits for ch to be ready (nil: never) or for one of the wait's
// limits, and returns nil for ch, or what fired.
func (a *armed) on(ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-a.timerC:
		return a.timedOut()
	case <-a.scopeC:
		return a.expired()
	case <-a.doneC:
		return a.done()
	}
}

// instant reports a call of g that completed at once, without blocking (a
// receive from a channel that had a value): no turn hand-off, but an event
// and a count like any call.
func instant(g *gstate, kind OpKind, target string) {
	var s *Scheduler
	var t *Task
	if g != nil {
		if g.depth > 0 {
			return // part of the call around it
		}
		s, t = g.sched(), g.task
		if s.sim != nil {
			s.sim.acquire(g) // a call that did not block still has its turn in the world's order
		}
		g.countInstant(0, nil)
	} else {
		s = Default()
	}
	report, st := s.obs.Load() != nil, s.stats.Load()
	if !report && st == nil {
		return
	}
	now := s.clock.stamp()
	c := opCall{g: g, task: t, s: s, kind: kind, target: target, start: now, report: report, stats: st}
	c.record(now, 0, nil)
}
