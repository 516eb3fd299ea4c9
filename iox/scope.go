package iox

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// A scope is one timeout scope on one goroutine. Scopes form a stack
// through parent; eff is the nearest deadline of the scope and its parents
// (zero: none), so the innermost scope alone answers "when must the
// current call end?".
//
// A scope expires when its deadline passes or, for a scope made from a
// context, when the context ends; an expiring scope expires the scopes
// nested in it too. Expiring sets expired, so that the door learns of it
// with one atomic load per open scope instead of a clock read per call,
// and closes done, which every wait inside the scope selects on.
type scope struct {
	deadline time.Time
	eff      time.Time
	parent   *scope

	expired atomic.Bool
	own     bool  // expired by its own deadline or context, not a parent's; set before expired
	why     error // what its calls fail with; set before expired
	told    int   // owner: calls told of the expiry (see unwind.go)
	done    chan struct{}
	stop    func() bool // stops the timer or the context's callback

	mu       sync.Mutex
	children []*scope   // open scopes nested in this one, on the same goroutine
	watchers []*watcher // run when the scope expires (bindings)
	closed   bool
}

// A watcher is a function run once when a scope expires, unless stopped.
type watcher struct {
	f    func(why error)
	done bool // under the scope's mu: ran or stopped
}

// newScope opens a scope with the given deadline (zero: none) inside
// parent (nil for none) on clock c; close must be called when it ends.
func newScope(c clock, deadline time.Time, parent *scope) *scope {
	sc := &scope{deadline: deadline, eff: deadline, parent: parent, done: make(chan struct{})}
	if parent != nil {
		if !parent.eff.IsZero() && (sc.eff.IsZero() || parent.eff.Before(sc.eff)) {
			sc.eff = parent.eff
		}
		if !parent.adopt(sc) {
			sc.expire(false, nil)
		}
	}
	if !deadline.IsZero() {
		if d := deadline.Sub(c.Now()); d <= 0 {
			sc.expire(true, ErrTimeout)
		} else {
			t := c.AfterFunc(d, func() { sc.expire(true, ErrTimeout) })
			sc.stop = t.Stop
		}
	}
	return sc
}

// adopt lists child under sc, so that sc's expiry reaches it; it reports
// false if sc has expired already.
func (sc *scope) adopt(child *scope) bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.expired.Load() {
		return false
	}
	sc.children = append(sc.children, child)
	return true
}

// expire marks the scope expired, with why as its calls' error if own,
// and expires its children.
func (sc *scope) expire(own bool, why error) {
	sc.mu.Lock()
	if sc.expired.Load() || sc.closed {
		sc.mu.Unlock()
		return
	}
	sc.own, sc.why = own, why
	sc.expired.Store(true)
	close(sc.done)
	kids, ws := sc.children, sc.watchers
	sc.children, sc.watchers = nil, nil
	for _, w := range ws {
		w.done = true
	}
	sc.mu.Unlock()
	for _, c := range kids {
		c.expire(false, nil)
	}
	if len(ws) > 0 {
		err := sc.chainErr()
		for _, w := range ws {
			w.f(err)
		}
	}
}

// chainErr is the error of the outermost scope around sc (sc included)
// that expired on its own: what an expiry that reached sc means.
func (sc *scope) chainErr() error {
	var hit *scope
	for s := sc; s != nil; s = s.parent {
		if s.expired.Load() && s.own {
			hit = s
		}
	}
	return hit.deadErr()
}

// watch runs f, on another goroutine or at once, when sc expires, until
// the returned stop is called; stop reports false if f has run or started.
func (sc *scope) watch(f func(why error)) (stop func() bool) {
	w := &watcher{f: f}
	sc.mu.Lock()
	if sc.expired.Load() {
		sc.mu.Unlock()
		f(sc.chainErr())
		return func() bool { return false }
	}
	sc.watchers = append(sc.watchers, w)
	sc.mu.Unlock()
	return func() bool {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		if w.done {
			return false
		}
		w.done = true
		for i, x := range sc.watchers {
			if x == w {
				last := len(sc.watchers) - 1
				sc.watchers[i] = sc.watchers[last]
				sc.watchers[last] = nil
				sc.watchers = sc.watchers[:last]
				break
			}
		}
		return true
	}
}

// close ends the scope: its timer stops and its parent forgets it.
func (sc *scope) close() {
	if sc.stop != nil {
		sc.stop()
	}
	sc.mu.Lock()
	sc.closed = true
	sc.mu.Unlock()
	if p := sc.parent; p != nil {
		p.mu.Lock()
		for i, c := range p.children {
			if c == sc {
				last := len(p.children) - 1
				p.children[i] = p.children[last]
				p.children[last] = nil
				p.children = p.children[:last]
				break
			}
		}
		p.mu.Unlock()
	}
}

// dead reports whether sc has expired (or a scope around it, which
// expires sc too).
func (sc *scope) dead() bool { return sc.expired.Load() }

// deadErr is the error the calls in an expired scope fail with.
// Until the scope has expired (its deadline passed on the clock, its timer
// not run yet) that is ErrTimeout; why is read only after expired, which
// is set after it.
func (sc *scope) deadErr() error {
	if sc == nil || !sc.expired.Load() || sc.why == nil {
		return ErrTimeout
	}
	return sc.why
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
// Calls with an error result return ErrTimeout; once one has, the next
// blocking call in the expired scope unwinds instead, so a loop that
// ignores the error still ends. Calls without one (Sleep, Lock, Yield,
// waiting on a timer) unwind at once: they panic with a private value
// that this Timeout recovers and returns as ErrTimeout, as gevent raises
// Timeout at the switch. A bare recover() between the call and its
// Timeout swallows that panic, as a bare except: swallows gevent's
// Timeout; code that recovers should re-panic values it does not know.
//
// Tasks spawned inside the scope inherit its deadline: their context has
// it, and their blocking calls fail with ErrTimeout once it passes, even
// after Timeout has returned.
func Timeout(d time.Duration, fn func() error) error {
	if fn == nil {
		panic("iox: Timeout called with a nil function")
	}
	g, temp := scopeGoroutine()
	c := g.sched().clock
	return runScope(g, temp, newScope(c, c.Now().Add(d), g.scope), fn)
}

// TimeoutContext runs fn in a timeout scope, as Timeout does, that
// expires at ctx's deadline, if it has one, and when ctx is done. The
// calls inside fail with ErrTimeout when the deadline passed, and with an
// error matching context.Canceled and ctx's cause when ctx was cancelled;
// TimeoutContext returns that error if fn was unwound by the scope. It is
// how a function given a context bounds legacy code that takes none.
func TimeoutContext(ctx context.Context, fn func() error) error {
	if ctx == nil {
		panic("iox: TimeoutContext called with a nil context")
	}
	if fn == nil {
		panic("iox: TimeoutContext called with a nil function")
	}
	g, temp := scopeGoroutine()
	dl, _ := ctx.Deadline()
	sc := newScope(g.sched().clock, dl, g.scope)
	if ctx.Err() != nil {
		sc.expire(true, contextScopeErr(ctx)) // AfterFunc would run later, on its own goroutine
	} else if ctx.Done() != nil {
		stopCtx := context.AfterFunc(ctx, func() { sc.expire(true, contextScopeErr(ctx)) })
		stopTimer := sc.stop
		sc.stop = func() bool {
			if stopTimer != nil {
				stopTimer()
			}
			return stopCtx()
		}
	}
	return runScope(g, temp, sc, fn)
}

// contextScopeErr is the error of calls in a scope whose context ended.
func contextScopeErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ErrTimeout
	}
	return &canceledError{cause: context.Cause(ctx)}
}

// canceledError is the error of calls in a scope whose context was
// cancelled: it matches context.Canceled and the cause.
type canceledError struct{ cause error }

func (e *canceledError) Error() string {
	if e.cause == nil || e.cause == context.Canceled {
		return "iox: scope's context canceled"
	}
	return "iox: scope's context canceled: " + e.cause.Error()
}

func (e *canceledError) Is(target error) bool { return target == context.Canceled }

func (e *canceledError) Unwrap() error { return e.cause }

// scopeGoroutine returns the calling goroutine's state, registering a
// temporary one for a goroutine that is no task (temp: unregister it when
// the scope ends).
func scopeGoroutine() (g *gstate, temp bool) {
	if g = current(); g != nil {
		return g, false
	}
	g = &gstate{}
	g.register()
	return g, true
}

// runScope runs fn inside sc, opened on g.
func runScope(g *gstate, temp bool, sc *scope, fn func() error) (err error) {
	g.scope = sc
	defer func() {
		sc.close()
		g.scope = sc.parent
		if temp {
			g.unregister()
		}
		if r := recover(); r != nil {
			if p, ok := r.(scopePanic); ok && p.sc == sc {
				g.unwinding = false
				err = sc.deadErr()
				return
			}
			panic(r)
		}
	}()
	return fn()
}

// expiredScope returns the scope a call cut short by an expiry should
// unwind to: the outermost of the goroutine's scopes that expired by its
// own deadline or context.
func (g *gstate) expiredScope() *scope {
	var hit *scope
	for sc := g.scope; sc != nil; sc = sc.parent {
		if sc.expired.Load() && sc.own {
			hit = sc
		}
	}
	if hit == nil {
		hit = g.scope
	}
	return hit
}

// deadline returns the nearest deadline of the goroutine's scopes.
func (g *gstate) deadline() (time.Time, bool) {
	if g == nil || g.scope == nil || g.scope.eff.IsZero() {
		return time.Time{}, false
	}
	return g.scope.eff, true
}

// expiredNow reports whether the goroutine's scope has expired, reading
// the clock for a deadline that has passed but whose timer has not run
// yet. For error paths.
func (g *gstate) expiredNow() bool {
	if g.scope == nil {
		return false
	}
	if g.scope.dead() {
		return true
	}
	dl, ok := g.deadline()
	return ok && !g.sched().clock.Now().Before(dl)
}

// Deadline returns the nearest deadline of the timeout scopes around the
// calling goroutine (including one its task inherited), and whether there
// is one.
func Deadline() (time.Time, bool) { return current().deadline() }

// WithDeadline returns a copy of ctx that also ends when the calling
// goroutine's timeout scopes expire (with ErrTimeout, or the scope's own
// error, as its cause) and when its task is killed (with the kill error as
// its cause), so that context-aware code called inside a scope honours it.
// Call cancel when the work is done, as with context.WithDeadline.
func WithDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		panic("iox: WithDeadline(nil)")
	}
	g := current()
	if g == nil {
		return context.WithCancel(ctx)
	}
	b := newBinding(ctx, g.task, g.sched())
	stop := b.boundTo(g)
	bctx, cancelDL := withScopeDeadline(b.Context(), g)
	return bctx, func() { stop(); cancelDL(); b.Release() }
}
