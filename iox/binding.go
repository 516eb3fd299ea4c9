package iox

import (
	"context"
	"errors"
	"io"
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

func newBinding(parent context.Context, t *Task, _ *Scheduler) *Binding {
	ctx, cancel := context.WithCancelCause(parent)
	b := &Binding{cancel: cancel}
	b.ctx = bindCtx{Context: ctx, task: t}
	if t != nil {
		tctx := t.ctx
		b.stop = context.AfterFunc(tctx, func() {
			// The task's kill or the deadline it inherited; not its end, which
			// a response body may outlive.
			if cause := context.Cause(tctx); isCoop(cause) {
				cancel(cause)
			}
		})
	}
	return b
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
	if cause := context.Cause(&b.ctx); isCoop(cause) && !errors.Is(err, cause) {
		return cause
	}
	return err
}

// Cause returns the scheduler's reason the binding's context was
// cancelled (a kill error, or a scope's error), or nil.
func (b *Binding) Cause() error {
	if b == nil {
		return nil
	}
	if cause := context.Cause(&b.ctx); isCoop(cause) {
		return cause
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
	b.cancel(context.Canceled)
}

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
