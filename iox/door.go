package iox

import (
	"context"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/internal/goid"
	"github.com/coop-go/coop/internal/tick"
)

// An Op is one blocking call in progress: the door every shim in coop goes
// through, and that users can put around their own blocking calls (a
// database driver, a cgo call):
//
//	op, err := iox.Begin(ctx, iox.OpRead, target) // check kill and scope; release the turn
//	if err != nil {
//		return err
//	}
//	n, err := real.Read(p)  // the real call, under op.Deadline or op.Context
//	err = op.End(n, err)    // report; re-take the turn; map interruptions
//
// Begin returns a nil *Op when nothing is in force (no task, no scope, no
// observer); every method works on a nil *Op and then costs next to
// nothing. An Op belongs to the goroutine that began it and must be ended
// by it, exactly once.
type Op struct {
	g        *gstate // nil for an op made off its task's goroutine
	task     *Task   // the task the call is reported for
	s        *Scheduler
	kind     OpKind
	target   string
	start    int64  // ticks (internal/tick)
	report   bool   // observers want an Event
	stats    *Stats // the scheduler's stats, if collected
	released bool   // Begin gave the turn up
	pooled   bool   // a detached op, from opPool
	mapDL    bool   // a deadline-exceeded error means the scope expired
	detail   any    // Event.Detail

	istate atomic.Int32 // interrupt protocol, see OnInterrupt
	intr   Interrupter
}

// Interrupt states.
const (
	opIdle int32 = iota
	opArmed
	opInterrupting
	opInterrupted
)

// An Interrupter cuts a blocking call short, from another goroutine: a conn
// moves its deadline into the past, for instance. Interrupt must be quick
// and must not block.
type Interrupter interface {
	Interrupt()
}

// Begin opens a blocking call of the given kind on target for the calling
// goroutine. It returns an error, and opens nothing, if the calling task is
// killed (an error matching ErrKilled) or its timeout scope has expired
// (ErrTimeout); then the real call must not be made. Otherwise the real
// call follows, then End.
//
// ctx is the call's context, context.Background() for a call that takes
// none (a conn's Read). When ctx carries a task (a context a task passed
// down, as net/http's dialing goroutine has), the call is made for that
// task: it is reported for it and refused if it is killed, and the real
// call, which gets ctx, ends with its kill; the timeout scopes and the
// turn are still the calling goroutine's. In Cooperative mode, Begin gives
// the turn up; End takes it back.
func Begin(ctx context.Context, kind OpKind, target string) (*Op, error) {
	if inForce.Load() == 0 {
		return nil, nil
	}
	if g := lookup(goid.Get()); g != nil {
		op, err := g.begin(kind, target)
		if op != nil {
			// The task in the call's context is the one it is made for,
			// when that is another than the goroutine's.
			if t, _ := ctx.Value(taskKey{}).(*Task); t != nil && t != g.task {
				if k := t.killed.Load(); k != nil {
					op.abort()
					return nil, k
				}
				op.task = t
			}
		}
		return op, err
	}
	return beginDetached(ctx, kind, target)
}

func (g *gstate) begin(kind OpKind, target string) (*Op, error) {
	if k := g.killErr(); k != nil {
		return nil, k
	}
	if g.expired() {
		return nil, ErrTimeout
	}
	s := g.sched()
	op := g.push()
	op.g, op.task, op.s, op.kind, op.target = g, g.task, s, kind, target
	op.start = tick.Now()
	op.report = s.obs.Load() != nil
	op.stats = s.stats.Load()
	g.publish(op)
	g.cur.Store(op)
	if g.task != nil && s.turn != nil {
		s.turn.release(g)
		op.released = true
	}
	return op, nil
}

// beginDetached opens a call for a goroutine that is no task and has no
// scope: reported for the task ctx carries, if any, else to Default's
// observers, if any.
func beginDetached(ctx context.Context, kind OpKind, target string) (*Op, error) {
	t, _ := ctx.Value(taskKey{}).(*Task)
	if t != nil {
		if k := t.killed.Load(); k != nil {
			return nil, k
		}
	} else if !detachedObserved() {
		return nil, nil
	}
	s := Default()
	if t != nil {
		s = t.s
	}
	op := opPool.Get().(*Op)
	op.task, op.s, op.kind, op.target, op.pooled = t, s, kind, target, true
	op.start = tick.Now()
	op.report = s.obs.Load() != nil
	op.stats = s.stats.Load()
	return op, nil
}

// opPool holds the records of calls made by goroutines the scheduler does
// not know, while someone reports them.
var opPool = sync.Pool{New: func() any { return new(Op) }}

// detachedObserved reports whether calls of goroutines the scheduler does
// not know are reported or counted.
func detachedObserved() bool {
	d := Default()
	return d.obs.Load() != nil || d.stats.Load() != nil
}

// Deadline returns the deadline the real call should run under: the
// nearest of user (the caller's own deadline; zero for none) and the
// deadline of the calling goroutine's timeout scopes. A conn shim sets it
// as the conn's deadline for the call, and restores user afterwards.
func (op *Op) Deadline(user time.Time) time.Time {
	if op == nil || op.g == nil || op.g.scope == nil {
		return user
	}
	dl := op.g.scope.eff
	if user.IsZero() || dl.Before(user) {
		op.mapDL = true
		return dl
	}
	return user
}

// Context returns ctx bound to the call: it also ends when the task is
// killed (its cause is the kill error) and when the calling goroutine's
// timeout scope expires (cause ErrTimeout). Call cancel after the real
// call, before End.
func (op *Op) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	if op == nil {
		return ctx, func() {}
	}
	if op.g == nil {
		if op.task == nil {
			return ctx, func() {}
		}
		ctx, cancel := context.WithCancelCause(ctx)
		tctx := op.task.ctx
		stop := context.AfterFunc(tctx, func() { cancel(context.Cause(tctx)) })
		return ctx, func() { stop(); cancel(context.Canceled) }
	}
	if dl, ok := op.g.deadline(); ok {
		if own, ok := ctx.Deadline(); !ok || dl.Before(own) {
			op.mapDL = true
		}
	}
	return op.g.bind(ctx)
}

// SetDetail attaches v to the call's Event (Event.Detail): what the shim
// knows of the call that the common fields do not say (an HTTP round
// trip's phases, a retry's attempt number). Observers type-assert it. v is
// kept only if the call is reported.
func (op *Op) SetDetail(v any) {
	if op != nil && op.report {
		op.detail = v
	}
}

// Reported reports whether the call will end as an Event, so that a shim
// can skip gathering a detail nobody will read.
func (op *Op) Reported() bool { return op != nil && op.report }

// Wait waits, as part of the call, until d has passed on the scheduler's
// clock, or ctx is done, or the call is interrupted. It returns nil after
// d, ctx's cause if ctx ended first, and otherwise the error that ends
// the call: an error matching ErrKilled, or ErrTimeout. A shim uses it for
// a wait that is itself the blocking call (a retry client's backoff).
// On a nil *Op it waits on the machine's clock for d or ctx.
func (op *Op) Wait(ctx context.Context, d time.Duration) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if op == nil || op.g == nil {
		var c clock = realClock{}
		if op != nil {
			c = op.s.clock
		}
		if op != nil && op.task != nil {
			if k := op.task.killed.Load(); k != nil {
				return k
			}
		}
		if d <= 0 {
			return nil
		}
		tm := c.NewTimer(d)
		defer tm.Stop()
		var killed <-chan struct{}
		if op != nil && op.task != nil {
			killed = op.task.ctx.Done()
		}
		select {
		case <-tm.C():
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-killed:
			return op.task.killed.Load()
		}
	}
	g := op.g
	if err := g.check(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	switch err := g.wait(ctx.Done(), g.sched().clock.Now().Add(d)); err {
	case nil: // ctx ended
		return context.Cause(ctx)
	case errUntil: // d passed
		return nil
	default:
		return err
	}
}

// AfterExpiry arranges for f to run, on a goroutine of its own, when the
// timeout scope around the call expires, on the scheduler's clock, and
// returns a function that cancels it; that reports false if f has run or
// started. Without a scope f never runs. It is for a shim whose real call
// can only be cut short from outside, through something shared with other
// calls (an HTTP request's context, which its body's reads use too).
func (op *Op) AfterExpiry(f func()) (stop func() bool) {
	if op == nil || op.g == nil || op.g.scope == nil {
		return neverExpires
	}
	op.mapDL = true
	c := op.s.clock
	return c.AfterFunc(max(0, op.g.scope.eff.Sub(c.Now())), f).Stop
}

func neverExpires() bool { return true }

// OnInterrupt registers i to cut the real call short if the task is killed
// while the call blocks. Register it after setting the call's deadline and
// before making the call; a kill that landed in between interrupts at once.
// Interrupted reports, after the call, whether i was used.
func (op *Op) OnInterrupt(i Interrupter) {
	if op == nil || op.g == nil || op.task == nil {
		return
	}
	op.intr = i
	op.istate.Store(opArmed)
	if op.task.killed.Load() != nil {
		op.interrupt()
	}
	if testHookArmed != nil {
		testHookArmed(op)
	}
}

// testHookArmed, when set by a test, is called after an interrupter is
// armed: the moment a kill must take the interrupter's path.
var testHookArmed func(op *Op)

// interrupt runs the registered interrupter once, if one is armed. Both the
// killer and the call's own goroutine may race to it.
func (op *Op) interrupt() {
	if op.istate.CompareAndSwap(opArmed, opInterrupting) {
		op.intr.Interrupt()
		op.istate.Store(opInterrupted)
	}
}

// Interrupted disarms the interrupter registered with OnInterrupt and
// reports whether it ran: then the shim must undo what it did (restore the
// conn's deadline). After Interrupted returns, the interrupter does not run.
func (op *Op) Interrupted() bool {
	if op == nil {
		return false
	}
	for {
		switch op.istate.Load() {
		case opIdle:
			return false
		case opArmed:
			if op.istate.CompareAndSwap(opArmed, opIdle) {
				return false
			}
		case opInterrupting:
			runtime.Gosched() // the killer is inside Interrupt; it is short
		case opInterrupted:
			return true
		}
	}
}

// End closes the call: n is what it moved (bytes), err what it returned.
// End reports the call, takes the turn back in Cooperative mode, and maps
// an interruption to its cause: an error matching ErrKilled if the task was
// killed, ErrTimeout if the timeout scope expired; any other err is
// returned as it is, and so is a nil err (what the call did is kept; a kill
// that landed meanwhile is reported by the next call).
func (op *Op) End(n int, err error) error {
	if op == nil {
		return err
	}
	interrupted := op.Interrupted()
	if op.released {
		op.s.turn.acquire(op.g)
	}
	if err != nil {
		err = op.mapErr(err, interrupted)
	}
	if op.report || op.stats != nil {
		op.record(tick.Now(), n, err)
	}
	if g := op.g; g != nil {
		g.unpublish(g.outer(), n, err, true)
		g.pop(op)
	} else if op.pooled {
		*op = Op{}
		opPool.Put(op)
	}
	return err
}

// abort closes an op that made no call: nothing is reported or counted.
func (op *Op) abort() {
	if op.released {
		op.s.turn.acquire(op.g)
	}
	op.g.unpublish(op.g.outer(), 0, nil, false)
	op.g.pop(op)
}

// record reports the ended call to the stats and the observers.
func (op *Op) record(end int64, n int, err error) {
	recordCall(op.s, op.g, op.task, op.kind, op.target, op.start, end, n, err, op.report, op.stats, op.detail)
}

func recordCall(s *Scheduler, g *gstate, t *Task, kind OpKind, target string, start, end int64, n int, err error, report bool, st *Stats, detail any) {
	if st != nil {
		st.add(g, kind, target, end-start, n, err)
	}
	if report {
		s.emit(Event{
			Kind:     kind,
			Target:   target,
			Task:     t,
			Start:    tick.Time(start),
			Duration: tick.Duration(end - start),
			Bytes:    n,
			Err:      err,
			Detail:   detail,
		})
	}
}

// observed reports whether calls of g (nil: a goroutine that is no task)
// are reported to observers or counted in stats.
func (g *gstate) observed() bool {
	s := g.sched()
	return s.obs.Load() != nil || s.stats.Load() != nil
}

// instant reports a call that completed at once, without blocking (a
// receive from a channel that had a value): no turn hand-off, but an event
// and a count like any call.
func instant(g *gstate, kind OpKind, target string, n int, err error) {
	var s *Scheduler
	var t *Task
	switch {
	case g != nil:
		s, t = g.sched(), g.task
		g.pubSeq.Add(1)
		g.pubOps++
		g.pubBytes += int64(n)
		if err != nil && err != io.EOF {
			g.pubErrs++
		}
		g.pubSeq.Add(1)
	case detachedObserved():
		s = Default()
	default:
		return
	}
	report, st := s.obs.Load() != nil, s.stats.Load()
	if !report && st == nil {
		return
	}
	now := tick.Now()
	recordCall(s, g, t, kind, target, now, now, n, err, report, st, nil)
}

func (op *Op) mapErr(err error, interrupted bool) error {
	if op.task != nil {
		if k := op.task.killed.Load(); k != nil && (interrupted || isInterruption(err)) {
			return k
		}
	}
	if op.mapDL && isTimeout(err) && op.g.expiredNow() {
		return ErrTimeout
	}
	return err
}

// Block runs fn, a blocking function, as one call named name: it is
// reported (kind OpBlock), it does not start if the calling task is killed
// or its scope has expired (Block then returns that error), and in
// Cooperative mode fn runs without the turn, so other tasks go on while it
// blocks.
//
// Block cannot cut fn itself short. A kill or a scope that expires while fn
// runs interrupts fn's own blocking calls made through coop, and otherwise
// shows at the next blocking call after Block. Block returns fn's error,
// mapped as End maps it.
func Block(name string, fn func() error) (err error) {
	if fn == nil {
		panic("iox: Block called with a nil function")
	}
	op, err := Begin(context.Background(), OpBlock, name)
	if err != nil {
		return err
	}
	ended := false
	defer func() {
		if !ended {
			op.End(0, nil) // fn panicked or its task is unwinding
		}
	}()
	err = fn()
	ended = true
	return op.End(0, err)
}
