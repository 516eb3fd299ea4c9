package iox

import (
	"context"
	"sync/atomic"
	"time"
)

// A scope is one timeout scope on one goroutine. Scopes form a stack through
// parent; eff is the nearest deadline of the scope and its parents, so the
// innermost scope alone answers "when must the current call end?".
//
// A scope's timer sets expired when its deadline passes, so that the door
// learns of an expiry with one atomic load per open scope instead of a
// clock read per call.
type scope struct {
	deadline time.Time
	eff      time.Time
	parent   *scope
	expired  atomic.Bool
	timer    clockTimer
}

// newScope opens a scope with the given deadline inside parent (nil for
// none) on clock c; close must be called when it ends.
func newScope(c clock, deadline time.Time, parent *scope) *scope {
	sc := &scope{deadline: deadline, eff: deadline, parent: parent}
	if parent != nil && parent.eff.Before(sc.eff) {
		sc.eff = parent.eff
	}
	if d := deadline.Sub(c.Now()); d <= 0 {
		sc.expired.Store(true)
	} else {
		sc.timer = c.AfterFunc(d, sc.fire)
	}
	return sc
}

func (sc *scope) fire() { sc.expired.Store(true) }

func (sc *scope) close() {
	if sc.timer != nil {
		sc.timer.Stop()
	}
}

// dead reports whether sc or a scope around it has expired.
func (sc *scope) dead() bool {
	for ; sc != nil; sc = sc.parent {
		if sc.expired.Load() {
			return true
		}
	}
	return false
}

// scopePanic is the value a call with no error result panics with when its
// scope expires; the Timeout that opened sc recovers it.
type scopePanic struct{ sc *scope }

func (p scopePanic) Error() string {
	return "iox: timeout scope expired (recovered by its Timeout; a bare recover() between the two swallowed it)"
}

// Timeout runs fn on the calling goroutine, task or not, and makes every
// blocking call made through coop inside it, at any depth and in code that
// never heard of contexts, fail with ErrTimeout once d has passed. It
// returns what fn returns, or ErrTimeout if fn was unwound by the scope.
//
// Scopes nest: the nearest deadline wins, and an expired outer scope
// unwinds through inner ones. A scope ends with Timeout: a call after it is
// not bound by it. A zero or negative d gives a scope that has already
// expired: fn runs, and its first blocking call fails.
//
// Calls with an error result return ErrTimeout. Calls with none (Sleep,
// Lock, Yield, waiting on a timer) unwind instead: they panic with a
// private value that this Timeout recovers and returns as ErrTimeout, as
// gevent raises Timeout at the switch. A bare recover() between the call
// and its Timeout swallows that panic, as a bare except: swallows gevent's
// Timeout; code that recovers should re-panic values it does not know.
//
// Tasks spawned inside the scope inherit its deadline: their context has
// it, and their blocking calls fail with ErrTimeout once it passes, even
// after Timeout has returned.
func Timeout(d time.Duration, fn func() error) (err error) {
	if fn == nil {
		panic("iox: Timeout called with a nil function")
	}
	g := current()
	temp := g == nil
	if temp {
		g = &gstate{}
		g.register()
	}
	c := g.sched().clock
	sc := newScope(c, c.Now().Add(d), g.scope)
	g.scope = sc
	defer func() {
		sc.close()
		g.scope = sc.parent
		if temp {
			g.unregister()
		}
		if r := recover(); r != nil {
			if p, ok := r.(scopePanic); ok && p.sc == sc {
				err = ErrTimeout
				return
			}
			panic(r)
		}
	}()
	return fn()
}

// expiredScope returns the scope a call that hit its deadline should unwind
// to: the outermost of the goroutine's scopes whose deadline has passed.
func (g *gstate) expiredScope() *scope {
	now := g.sched().clock.Now()
	var hit *scope
	for sc := g.scope; sc != nil; sc = sc.parent {
		if sc.expired.Load() || !now.Before(sc.deadline) {
			hit = sc
		}
	}
	if hit == nil {
		hit = g.scope
	}
	return hit
}

// Deadline returns the nearest deadline of the timeout scopes around the
// calling goroutine (including one its task inherited), and whether there
// is one.
func Deadline() (time.Time, bool) {
	g := current()
	if g == nil {
		return time.Time{}, false
	}
	return g.deadline()
}

// WithDeadline returns a copy of ctx that also ends when the calling
// goroutine's nearest timeout scope expires (with ErrTimeout as its cause)
// and when its task is killed (with the kill error as its cause), so that
// context-aware code called inside a scope honours it. Call cancel when the
// work is done, as with context.WithDeadline.
func WithDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		panic("iox: WithDeadline(nil)")
	}
	g := current()
	if g == nil {
		return context.WithCancel(ctx)
	}
	return g.bind(ctx)
}

// bind returns ctx bound to the goroutine's nearest deadline and its task's
// kill.
func (g *gstate) bind(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancelCause := context.WithCancelCause(ctx)
	stop := func() bool { return false }
	if g.task != nil {
		tctx := g.task.ctx
		stop = context.AfterFunc(tctx, func() { cancelCause(context.Cause(tctx)) })
	}
	if dl, ok := g.deadline(); ok {
		var cancelDL context.CancelFunc
		ctx, cancelDL = context.WithDeadlineCause(ctx, dl, ErrTimeout)
		return ctx, func() { stop(); cancelDL(); cancelCause(context.Canceled) }
	}
	return ctx, func() { stop(); cancelCause(context.Canceled) }
}
