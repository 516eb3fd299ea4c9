package iox

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/internal/goid"
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
//
// A call made inside another call on the same goroutine (a conn's read
// under a response body's read, under iox.Copy) is part of the outer one:
// it is refused and cut short like any call, but reported, counted and
// shown in Snapshot only as the outer call.
type Op struct {
	opCall
	// istate is the interrupt protocol (see OnInterrupt); it stays out of
	// opCall because a killer may look at it after the call has ended.
	istate atomic.Int32
	// mark identifies the open call in the contexts Context makes, so that
	// a call made with one on a goroutine the scheduler does not know (net/
	// http's dialing goroutine) is known to be inside this one; bumped
	// when a marked call ends.
	mark atomic.Uint64
}

// opMark is the value a call's Context carries: the call, as it was when
// the context was made.
type opMark struct {
	op   *Op
	mark uint64
	kind OpKind
}

type opMarkKey struct{}

// outerOf returns the open call of kind that ctx was made for by Context,
// or nil.
func outerOf(ctx context.Context, kind OpKind) *Op {
	m, ok := ctx.Value(opMarkKey{}).(opMark)
	if !ok || m.kind != kind || m.op.mark.Load() != m.mark {
		return nil
	}
	return m.op
}

// opCall is what an Op knows of its call; reset in one assignment.
type opCall struct {
	g          *gstate // nil for a call of a goroutine the scheduler does not know
	task       *Task   // the task the call is made for
	s          *Scheduler
	kind       OpKind
	target     string
	start      int64  // clock stamp
	report     bool   // observers want an Event
	stats      *Stats // the scheduler's stats, if collected
	released   bool   // Begin gave the turn up
	nested     bool   // inside another call of the same goroutine
	delivering bool   // finishes what an interrupted call took on: never cut short
	pooled     bool   // a detached op, from opPool
	mapDL      bool   // a deadline error may mean the scope expired
	marked     bool   // Context made a context marked with the call
	traced     bool   // a trace region is open for the call (gotools.go)
	detail     any    // Event.Detail
	intr       Interrupter
}

func (op *Op) reset() {
	op.opCall = opCall{}
	if op.istate.Load() != opIdle {
		op.istate.Store(opIdle)
	}
}

// Interrupt states.
const (
	opIdle int32 = iota
	opArmed
	opInterrupting
	opInterrupted
)

// An Interrupter cuts a blocking call short, from another goroutine: a conn
// moves its deadline into the past, for instance. Interrupt is given the
// call to cut; it must be quick and must not block.
type Interrupter interface {
	Interrupt(op *Op)
}

// Begin opens a blocking call of the given kind on target for the calling
// goroutine. It returns an error, and opens nothing, if the calling task is
// killed (an error matching ErrKilled) or its timeout scope has expired
// (ErrTimeout); then the real call must not be made. Otherwise the real
// call follows, then End.
//
// ctx is the call's context, context.Background() for a call that takes
// none (a conn's Read); Begin panics on a nil ctx. When ctx carries a task
// (a context a task passed down, as net/http's dialing goroutine has),
// the call is made for that task: it is reported for it and refused if it
// is killed, and the real call, given op.Context(ctx), ends with its kill;
// the timeout scopes and the turn are still the calling goroutine's. In
// Cooperative mode, Begin gives the turn up; End takes it back.
//
// A killed task's calls return the kill error a few times, enough for the
// error path of the code that got it to finish (a library cleaning up
// after a failed call); then its next Begin unwinds it, as a call without
// an error result does (see the package doc), so a loop that ignores
// errors cannot outlive its kill. The same holds for an expired timeout
// scope, which unwinds to its Timeout.
func Begin(ctx context.Context, kind OpKind, target string) (*Op, error) {
	if ctx == nil {
		panic("iox: Begin called with a nil context")
	}
	if inForce.Load() == 0 {
		return nil, nil
	}
	if g := lookup(goid.Get()); g != nil {
		return g.begin(ctx, kind, target)
	}
	if simActive.Load() != 0 {
		if g := adopt(); g != nil {
			return g.begin(ctx, kind, target)
		}
	}
	return beginDetached(ctx, kind, target)
}

// begin opens a call of the goroutine g; see Begin.
func (g *gstate) begin(ctx context.Context, kind OpKind, target string) (*Op, error) {
	sim := g.s != nil && g.s.sim != nil && g.depth == 0
	if sim {
		// Simulated: a goroutine that ran without the turn (woken by a
		// raw channel operation) waits for it before the call has any
		// effect, the check for its kill included.
		g.s.sim.acquire(g)
	}
	t := g.task
	if ct := taskOf(ctx); ct != nil {
		t = ct // the task in the context wins
	}
	switch {
	case g.delivering > 0:
		// Finishing what an interrupted call took on: neither refused nor
		// cut short (see deliver).
	case g.depth > 0:
		if err := g.check(); err != nil {
			return nil, err
		}
		if t != g.task {
			if k := t.killErr(); k != nil {
				return nil, k
			}
		}
		op := g.push()
		outer := g.at(g.depth - 2)
		op.opCall = opCall{g: g, task: outer.task, s: outer.s, kind: kind, target: target, nested: true}
		g.cur.Store(op)
		return op, nil
	default:
		if err := g.refuse(); err != nil {
			return nil, err
		}
		if t != g.task {
			if k := t.killErr(); k != nil {
				return nil, k
			}
		}
	}
	s := g.sched()
	if t != nil {
		s = t.s
	}
	op := g.push()
	op.opCall = opCall{
		g: g, task: t, s: s, kind: kind, target: target,
		start:      s.clock.stamp(),
		report:     s.obs.Load() != nil,
		stats:      s.stats.Load(),
		delivering: g.delivering > 0,
	}
	if sim {
		op.released = true // End takes the turn back after the call has blocked
	}
	g.publish(op)
	g.cur.Store(op)
	toolsBegin(g, op)
	if g.task != nil && g.s.coop != nil {
		g.s.coop.release(g)
		op.released = true
	}
	return op, nil
}

// refuse returns the error a call of g must fail with at once, if any: the
// task's kill or the error of its expired scope. It unwinds instead if the
// goroutine has been told already and is not unwinding (see Begin).
func (g *gstate) refuse() error {
	if k := g.killErr(); k != nil {
		if g.killTold >= toldLimit && !g.unwinding {
			g.unwind(k)
		}
		g.killTold++
		return k
	}
	if g.scope != nil && g.scope.dead() {
		hit := g.expiredScope()
		if hit.told >= toldLimit && !g.unwinding {
			g.unwindScope(hit)
		}
		hit.told++
		return hit.deadErr()
	}
	return nil
}

// taskOf returns the task a context carries, or nil.
func taskOf(ctx context.Context) *Task {
	t, _ := ctx.Value(taskKey{}).(*Task)
	return t
}

// beginDetached opens a call for a goroutine that is no task and has no
// scope: reported for the task ctx carries, if any, else to Default's
// observers, if any.
func beginDetached(ctx context.Context, kind OpKind, target string) (*Op, error) {
	t := taskOf(ctx)
	if outer := outerOf(ctx, kind); outer != nil {
		// Inside a call of the same kind made with this context: a netx
		// dial under WrapDial. Part of that call.
		if k := t.killErr(); k != nil {
			return nil, k
		}
		op := opPool.Get().(*Op)
		op.opCall = opCall{task: t, s: Default(), kind: kind, target: target, pooled: true, nested: true}
		if t != nil {
			op.s = t.s
		}
		return op, nil
	}
	if t != nil {
		if k := t.killErr(); k != nil {
			return nil, k
		}
	} else if !Default().observed() {
		return nil, nil
	}
	s := Default()
	if t != nil {
		s = t.s
	}
	op := opPool.Get().(*Op)
	op.opCall = opCall{
		task: t, s: s, kind: kind, target: target, pooled: true,
		start:  s.clock.stamp(),
		report: s.obs.Load() != nil,
		stats:  s.stats.Load(),
	}
	return op, nil
}

// opPool holds the records of calls made by goroutines the scheduler does
// not know, while someone reports them.
var opPool = sync.Pool{New: func() any { return new(Op) }}

// Deadline returns the deadline the real call should run under: the
// nearest of user (the caller's own deadline; zero for none) and the
// deadline of the calling goroutine's timeout scopes. A shim sets it as
// the stream's deadline for the call, and restores user afterwards.
func (op *Op) Deadline(user time.Time) time.Time {
	lim := op.Limit()
	if lim.IsZero() || (!user.IsZero() && !lim.Before(user)) {
		return user
	}
	return lim
}

// Limit returns the deadline of the timeout scopes around the call, zero
// for none: the limit a deadline keeper registers for it.
func (op *Op) Limit() time.Time {
	if op == nil || op.g == nil || op.g.scope == nil || op.delivering {
		return time.Time{}
	}
	op.mapDL = true
	return op.g.scope.eff
}

// Now returns the time on the clock of the call's scheduler.
func (op *Op) Now() time.Time {
	if op == nil {
		return Default().clock.Now()
	}
	return op.s.clock.Now()
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

// Task returns the task the call is made for, or nil.
func (op *Op) Task() *Task {
	if op == nil {
		return nil
	}
	return op.task
}

// OnInterrupt registers i to cut the real call short if the task is killed
// while the call blocks. Register it after setting the call's deadline and
// before making the call; a kill that landed in between interrupts at once.
// Interrupted reports, after the call, whether i was used.
func (op *Op) OnInterrupt(i Interrupter) {
	if op == nil || op.task == nil || op.delivering {
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
		op.intr.Interrupt(op)
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
	g := op.g
	if op.released && !op.nested {
		// The turn Begin released (the goroutine's, not the call's
		// task's) is taken back before anything is checked: in a world,
		// a kill that raced the call's return is decided in the world's
		// order, not the machine's.
		g.s.turn.acquire(g)
		op.released = false
	}
	interrupted := op.Interrupted()
	if err != nil {
		err = op.mapErr(err, interrupted)
	}
	if op.nested {
		if g != nil {
			g.pop(op)
		} else {
			op.reset()
			opPool.Put(op)
		}
		return err
	}
	op.toolsEnd()
	end := op.s.clock.stamp()
	if op.report || op.stats != nil {
		op.record(end, n, err)
	}
	if op.marked {
		op.mark.Add(1) // the contexts Context made no longer mark an open call
	}
	if g != nil {
		if err != nil && !op.delivering {
			g.told(op.task, err)
		}
		g.unpublish(g.at(g.depth-2), end, n, err, true)
		g.pop(op)
	} else if op.pooled {
		op.reset()
		opPool.Put(op)
	}
	return err
}

// told notes that a call of g returned err: if err is the kill of g's own
// task or the error of an expired scope of g, the goroutine has been told
// once more (see Begin).
func (g *gstate) told(t *Task, err error) {
	if t == g.task && t != nil {
		if k := t.killed.Load(); k != nil && err == error(k) {
			g.killTold++
			return
		}
	}
	if g.scope != nil && g.scope.dead() {
		if hit := g.expiredScope(); err == hit.deadErr() {
			hit.told++
		}
	}
}

func (op *Op) mapErr(err error, interrupted bool) error {
	if op.task != nil {
		if k := op.task.killed.Load(); k != nil && (interrupted || isInterruption(err)) {
			return k
		}
	}
	if op.mapDL && op.g != nil && isInterruption(err) && op.g.expiredNow() {
		return op.g.expiredScope().deadErr()
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

// deliver runs fn, in which the calling goroutine finishes what an
// interrupted call had already taken on (iox.Copy writing out the bytes it
// read before the kill): its calls are neither refused nor cut short by
// the kill or the expired scope, only by their own deadlines.
func deliver(fn func()) {
	g := current()
	if g == nil {
		fn()
		return
	}
	g.delivering++
	defer func() { g.delivering-- }()
	fn()
}

// Wait waits, as part of the call, until d has passed on the scheduler's
// clock, or ctx is done, or the call is cut short. It returns nil after
// d, ctx's cause if ctx ended first, and otherwise the error that ends
// the call: an error matching ErrKilled, or the scope's ErrTimeout. A shim
// uses it for a wait that is itself the blocking call (a retry client's
// backoff). On a nil *Op it waits on the Default scheduler's clock for d
// or ctx.
func (op *Op) Wait(ctx context.Context, d time.Duration) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	var g *gstate
	if op != nil {
		g = op.g
		if k := op.task.killErr(); k != nil {
			return k
		}
	}
	if g != nil {
		if err := g.check(); err != nil {
			return err
		}
	}
	if d <= 0 {
		return nil
	}
	c := Default().clock
	if op != nil {
		c = op.s.clock
	}
	a := arm(g, c.Now().Add(d), true)
	if op != nil && g == nil && op.task != nil {
		a.doneC = op.task.ctxv.Done() // a call made off the task's goroutine
	}
	defer a.disarm()
	if a.early != nil {
		if a.early == errUntil {
			return nil
		}
		return a.early
	}
	select {
	case <-a.timerC:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-a.scopeC:
		return a.expired()
	case <-a.doneC:
		if op.task != nil {
			if k := op.task.killErr(); k != nil {
				return k
			}
		}
		return a.done()
	}
}
