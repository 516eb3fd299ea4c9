package iox

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"
)

// A Binding ties what a call started to the task the call was made for,
// for as long as it lives (a response body, open after the round trip
// that returned it has ended): its Context is cancelled, with the kill
// error as cause, when that task is killed. Each later call made with it
// (a read of the body) binds it to its own timeout scopes too, with Bound.
// A shim uses a Binding instead of choosing the task or mapping the
// scheduler's errors itself; the door does both. Release it when what the
// call started is over. A Binding's methods are safe for concurrent use.
type Binding struct {
	ctx    bindCtx
	cancel context.CancelCauseFunc
	stop   func() bool // unregisters from the task's kill; nil without a task
	s      *Scheduler
	own    atomic.Pointer[error] // the cause the binding ended with, if the door ended it
}

// bindCtx is a binding's context: cancellable with a cause, and carrying
// the task, so that calls made with it off the task's goroutine (net/
// http's dialing goroutine) are made for the task.
type bindCtx struct {
	context.Context
	task *Task
}

func (c *bindCtx) Value(key any) any {
	if _, ok := key.(taskKey); ok && c.task != nil {
		return c.task
	}
	return c.Context.Value(key)
}

// Bind returns a Binding of parent to the call's task: see Binding. On a
// nil *Op (nothing in force) it returns nil, whose methods pass parent
// and errors through.
func (op *Op) Bind(parent context.Context) *Binding {
	if op == nil {
		return nil
	}
	return newBinding(parent, op.task, op.s)
}

func newBinding(parent context.Context, t *Task, s *Scheduler) *Binding {
	ctx, cancel := context.WithCancelCause(parent)
	b := &Binding{s: s}
	b.cancel = func(cause error) {
		b.own.CompareAndSwap(nil, &cause)
		cancel(cause)
	}
	b.ctx = bindCtx{Context: ctx, task: t}
	if t != nil {
		tctx := t.Context()
		b.stop = context.AfterFunc(tctx, func() {
			// The task's kill or the deadline it inherited; not its end, which
			// a response body may outlive.
			if cause := context.Cause(tctx); isCoop(cause) {
				b.cancel(cause)
			}
		})
	}
	return b
}

// Until ends the binding's context with cause at t on the scheduler's
// clock, unless stop is called first (it reports false then if it had
// ended). A shim gives it a real-clock knob it passes down (an HTTP
// client's Timeout, which net/http enforces with timers of its own): the
// binding ends a nanosecond before t, so that in a simulated world the
// scheduler's timer, which fires in the world's order, is the one that
// ends the call, whatever net/http's timers do at t.
func (b *Binding) Until(t time.Time, cause error) (stop func() bool) {
	if b == nil {
		return neverFired
	}
	c := b.s.clock
	d := t.Sub(c.Now()) - time.Nanosecond
	if d <= 0 {
		b.cancel(cause)
		return func() bool { return false }
	}
	return c.AfterFunc(d, func() { b.cancel(cause) }).Stop
}

// Context returns the bound context; on a nil Binding, nil.
func (b *Binding) Context() context.Context {
	if b == nil {
		return nil
	}
	return &b.ctx
}

// Bound binds b to the timeout scopes around op, a call made with it,
// until the returned function is called: if they expire first, b's
// context is cancelled with the scope's error. stop reports false if that
// happened. op may be another call than the one b was made by.
func (b *Binding) Bound(op *Op) (stop func() bool) {
	if b == nil || op == nil || op.g == nil || op.g.scope == nil || op.delivering {
		return neverFired
	}
	op.mapDL = true
	return b.boundTo(op.g)
}

// boundTo binds b to g's scopes; see Bound.
func (b *Binding) boundTo(g *gstate) (stop func() bool) {
	if g.scope == nil {
		return neverFired
	}
	return g.scope.watch(func(why error) { b.cancel(why) })
}

func neverFired() bool { return true }

// Err returns err, what the real call returned, or the scheduler's reason
// if the binding's context was cancelled by a kill or a scope and err does
// not say so already: a shim returns Err(err) to End.
func (b *Binding) Err(err error) error {
	if b == nil || err == nil || err == io.EOF {
		return err
	}
	if cause := b.Cause(); cause != nil && !errors.Is(err, cause) {
		return cause
	}
	return err
}

// Cause returns the reason the door ended the binding's context (a kill
// error, a scope's error, the cause given to Until or Cancel), or nil if
// it has not, or if it ended for its parent's reason.
func (b *Binding) Cause() error {
	if b == nil {
		return nil
	}
	if p := b.own.Load(); p != nil && p != &errReleased && context.Cause(&b.ctx) == *p {
		return *p
	}
	return nil
}

// Cancel cancels the binding's context with cause, as
// context.CancelCauseFunc does.
func (b *Binding) Cancel(cause error) {
	if b != nil {
		b.cancel(cause)
	}
}

// Release ends the binding: it stops following the task, and its context
// is cancelled with context.Canceled if nothing cancelled it before.
func (b *Binding) Release() {
	if b == nil {
		return
	}
	if b.stop != nil {
		b.stop()
	}
	b.own.CompareAndSwap(nil, &errReleased)
	b.cancel(context.Canceled)
}

// errReleased marks a binding that ended because its call was over: no
// cause of the door's.
var errReleased = errors.New("iox: binding released")

// isCoop reports whether err is the scheduler's: a kill or an expired
// timeout scope.
func isCoop(err error) bool {
	if err == nil {
		return false
	}
	var ce *canceledError
	return errors.Is(err, ErrKilled) || errors.Is(err, ErrTimeout) || errors.As(err, &ce)
}

// Context returns ctx bound to the call, for a real call that takes a
// context (a dial): it also ends when the task is killed (its cause is the
// kill error) and when the calling goroutine's timeout scope expires (its
// cause is the scope's error). Call cancel after the real call, before
// End.
//
// The context also marks the call: a call of the same kind made with it on
// a goroutine the scheduler does not know (a dial that net/http's dialing
// goroutine makes under a dial of WrapDial's) is part of this one, and is
// not reported twice.
func (op *Op) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	if op == nil {
		return ctx, func() {}
	}
	op.marked = true
	ctx = context.WithValue(ctx, opMarkKey{}, opMark{op: op, mark: op.mark.Load(), kind: op.kind})
	if op.task == nil && (op.g == nil || op.g.scope == nil) {
		return ctx, func() {}
	}
	b := op.Bind(ctx)
	stop := b.Bound(op)
	bctx, cancelDL := withScopeDeadline(b.Context(), op.g)
	return bctx, func() { stop(); cancelDL(); b.Release() }
}

// withScopeDeadline gives ctx the deadline of g's scopes, if any, so that
// code that reads ctx.Deadline (a dialer, a driver) sees it, and returns
// with ErrTimeout as the cause.
func withScopeDeadline(ctx context.Context, g *gstate) (context.Context, context.CancelFunc) {
	if dl, ok := g.deadline(); ok {
		return context.WithDeadlineCause(ctx, dl, ErrTimeout)
	}
	return ctx, func() {}
}
