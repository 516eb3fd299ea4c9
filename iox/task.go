package iox

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/internal/callers"
)

// A Task is a function running on its own goroutine under a Scheduler, as a
// greenlet runs under gevent's hub: its blocking calls are reported, it can
// be killed at any of them, and in Cooperative mode it runs only while it
// holds the turn. Its methods are safe for concurrent use by multiple
// goroutines.
type Task struct {
	id     uint64
	s      *Scheduler
	fn     func(ctx context.Context) error
	site   callers.Site // where Go was called, for Snapshot
	name   atomic.Pointer[string]
	ended  atomic.Bool                   // the task has ended; err is set
	state  atomic.Int32                  // taskRunning, taskEnding
	doneCh atomic.Pointer[chan struct{}] // made on demand by Done, under mu
	err    error                         // set before ended
	born   int64                         // clock stamp
	onEnd  func(*Task)
	unlink func() bool // stops following the parent context; nil without one

	killed atomic.Pointer[killedError]

	g gstate

	mu       sync.Mutex // children, timers, and the making of ctxv
	slot     int32      // in the scheduler's registry
	depth    uint8      // frames of site between start's caller and the user's
	parent   *Task
	children *Task // first child, through cPrev/cNext
	cPrev    *Task
	cNext    *Task
	timers   []timerRef // the task's timers and tickers, for Kill

	ctxv taskCtx

	tools atomic.Pointer[goTools] // what it shows Go's tools (gotools.go)
}

const (
	taskRunning int32 = iota
	taskEnding
)

type taskKey struct{}

var lastTaskID atomic.Uint64

// Go starts fn as a new task of s and returns it; fn gets a context that
// is cancelled when the task is killed (its cause is the kill error), when a
// timeout scope it inherited expires, and when fn returns. Called from
// inside a task, Go makes the new task a child of that one: killing the
// parent kills it. In Cooperative mode the new task waits for the turn; the
// caller keeps it.
//
// Go panics if fn is nil. On a closed scheduler fn does not run and the
// task ends at once with ErrClosed.
func (s *Scheduler) Go(fn func(ctx context.Context) error) *Task {
	if fn == nil {
		panic("iox: Go called with a nil function")
	}
	return s.start(spawn{fn: fn})
}

// GoContext starts fn as a new task of s whose context derives from
// parent: it carries parent's values (request-scoped values, trace spans),
// its deadline bounds the task as a timeout scope it inherited would, and
// its cancellation kills the task, with context.Cause(parent) as the
// kill's reason. Otherwise it is Go.
func (s *Scheduler) GoContext(parent context.Context, fn func(ctx context.Context) error) *Task {
	if parent == nil {
		panic("iox: GoContext called with a nil context")
	}
	if fn == nil {
		panic("iox: GoContext called with a nil function")
	}
	return s.start(spawn{parent: parent, fn: fn})
}

// spawn is what starting a task takes.
type spawn struct {
	parent  context.Context // nil: none
	fn      func(ctx context.Context) error
	onStart func(*Task) // runs before the task's goroutine does
	onEnd   func(*Task) // runs on it after the task's error is known, before Done closes
	depth   int         // calls between the user's and start, beyond one (Go, Spawn)
}

// start starts sp.fn as a task. It records where it was called, so it
// must not be inlined.
//
//go:noinline
func (s *Scheduler) start(sp spawn) *Task {
	parent, fn := sp.parent, sp.fn
	pg := current()
	if s.sim != nil && pg != nil && pg.s == s {
		s.sim.acquire(pg) // a world's spawns happen in the world's order
	}
	t := &Task{
		s:     s,
		fn:    fn,
		site:  callers.Record(),
		depth: uint8(1 + sp.depth),
	}
	if s.sim != nil {
		t.id = s.sim.newID() // from the world's order, not the process's
		t.g.simKey = "t" + strconv.FormatUint(1e8+t.id, 10)[1:]
	} else {
		t.id = lastTaskID.Add(1)
	}
	t.g.task, t.g.s = t, s
	if e, ok := envOf(parent); ok {
		t.g.env = e
	} else if pg != nil {
		t.g.env = pg.env
	}
	var inherited *scope
	if pg != nil && pg.scope != nil {
		inherited = pg.scope
	}
	dl, hasDL := pg.deadline()
	if pdl, ok := parentDeadline(parent); ok && (!hasDL || pdl.Before(dl)) {
		dl, hasDL = pdl, true
	}
	t.ctxv.t = t
	if parent != nil || hasDL {
		base := context.Background()
		if parent != nil {
			// The parent's values, not its cancellation: that reaches the
			// task as a kill (below), so that every wait sees the kill's
			// error, not a context that ended for no reason the task can
			// give.
			base = context.WithoutCancel(parent)
		}
		ctx, cancel := context.WithCancelCause(base)
		if hasDL {
			var cancelDL context.CancelFunc
			ctx, cancelDL = context.WithDeadlineCause(ctx, dl, ErrTimeout)
			outer := cancel
			cancel = func(cause error) { outer(cause); cancelDL() }
			// The task's own scope, parented by nothing: it outlives the
			// scope it came from, which ends on another goroutine.
			t.g.scope = newScope(s.clock, dl, nil)
			if inherited != nil && inherited.dead() {
				t.g.scope.expire(true, inherited.chainErr())
			}
		}
		t.ctxv.Context, t.ctxv.cancel = ctx, cancel
		t.ctxv.made.Store(true)
	}
	t.onEnd = sp.onEnd
	if pg != nil && pg.task != nil {
		t.parent = pg.task
	} else if parent != nil {
		t.parent = taskOf(parent) // started off any task, for the task parent carries
	}
	t.born = s.clock.stamp() // before addTask makes the task visible to Snapshot
	if sp.onStart != nil {
		sp.onStart(t)
	}
	if !s.addTask(t) {
		t.parent = nil
		t.finishEarly(ErrClosed)
		return t
	}
	if p := t.parent; p != nil {
		p.mu.Lock()
		t.cNext = p.children
		if p.children != nil {
			p.children.cPrev = t
		}
		p.children = t
		pk := p.killed.Load()
		p.mu.Unlock()
		if pk != nil {
			t.Kill(pk.reason)
		}
	}
	if parent != nil && parent.Done() != nil {
		t.unlink = context.AfterFunc(parent, func() {
			if dlErr := parent.Err(); dlErr == context.DeadlineExceeded {
				return // the deadline: the task's own scope expires with it
			}
			t.Kill(context.Cause(parent))
		})
	}
	if s.turn != nil {
		t.g.turnCh = make(chan struct{}, 1)
		s.turn.enqueue(&t.g)
		if s.sim == nil {
			return t // Cooperative: enqueue starts the goroutine (turn.enqueue)
		}
	}
	go t.run()
	return t
}

// parentDeadline is the deadline of parent, nil for none.
func parentDeadline(parent context.Context) (time.Time, bool) {
	if parent == nil {
		return time.Time{}, false
	}
	return parent.Deadline()
}

// Spawn starts fn as a task of the calling task's scheduler, or of Default
// outside any task; see Scheduler.Go.
func Spawn(fn func(ctx context.Context) error) *Task {
	if fn == nil {
		panic("iox: Spawn called with a nil function")
	}
	return spawnScheduler().start(spawn{fn: fn})
}

// SpawnContext is Spawn with a parent context; see Scheduler.GoContext.
func SpawnContext(parent context.Context, fn func(ctx context.Context) error) *Task {
	if parent == nil {
		panic("iox: SpawnContext called with a nil context")
	}
	if fn == nil {
		panic("iox: SpawnContext called with a nil function")
	}
	return spawnScheduler().start(spawn{parent: parent, fn: fn})
}

// spawnScheduler is the scheduler Spawn starts tasks on.
func spawnScheduler() *Scheduler {
	if g := current(); g != nil && g.task != nil {
		return g.task.s
	}
	return Default()
}

// Current returns the task running on the calling goroutine, or nil on a
// goroutine that is no task.
func Current() *Task {
	if g := current(); g != nil {
		return g.task
	}
	return nil
}

// taskCtx is a task's context: its own cancellation, plus the task as a
// value, so that calls made off the task's goroutine with this context
// (net/http dials on its own goroutine) are made for it.
//
// Its context.WithCancelCause is made when first needed: when anything
// asks the context for more than the task it carries (Done, Err,
// Deadline, any other Value, context.Cause, a context derived from it),
// so that a task that never looks at its context costs none. Why that is
// safe: Context and cancel are written once, under the task's mu, before
// made is set, and read without the lock only after made is seen set; a
// cancellation that comes while nothing is made is kept in cause, under
// mu, and applied as the context is made, so that anyone who sees the
// context sees it cancelled, with the first cause. A task started with a
// parent context or a deadline makes it at once.
type taskCtx struct {
	context.Context // nil until made
	t               *Task
	made            atomic.Bool
	cancel          context.CancelCauseFunc
	cause           error // the first cancellation while nothing was made; under mu
}

// get returns the context under c, making it if need be.
func (c *taskCtx) get() context.Context {
	if c.made.Load() {
		return c.Context
	}
	t := c.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if !c.made.Load() {
		ctx, cancel := context.WithCancelCause(context.Background())
		if c.cause != nil {
			cancel(c.cause)
		}
		c.Context, c.cancel = ctx, cancel
		c.made.Store(true)
	}
	return c.Context
}

func (c *taskCtx) Deadline() (time.Time, bool) { return c.get().Deadline() }
func (c *taskCtx) Done() <-chan struct{}       { return c.get().Done() }
func (c *taskCtx) Err() error                  { return c.get().Err() }

func (c *taskCtx) Value(key any) any {
	if _, ok := key.(taskKey); ok {
		return c.t
	}
	if v := c.t.toolValue(key); v != nil {
		return v
	}
	return c.get().Value(key)
}

func (c *taskCtx) String() string { return "iox.task(" + c.t.Name() + ")" }

// cancel cancels the task's context with cause; the first cause wins.
func (t *Task) cancel(cause error) {
	c := &t.ctxv
	if !c.made.Load() {
		t.mu.Lock()
		if !c.made.Load() {
			if c.cause == nil {
				c.cause = cause
			}
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
	}
	c.cancel(cause)
}

func (t *Task) run() {
	g := &t.g
	g.unstarted = false
	g.register()
	ok := false
	defer t.finish(&ok)
	// In Cooperative mode the task holds the turn already: it started
	// when it got it. In Simulated mode it waits for it here.
	if t.s.sim != nil {
		<-g.turnCh // queued by start
	}
	t.startTools()
	if k := t.killed.Load(); k != nil {
		t.err = k // killed before it started: fn does not run
		ok = true
		return
	}
	t.err = t.fn(&t.ctxv)
	ok = true
}

// finish runs deferred on the task's goroutine: ok is false if fn did not
// return (a panic, or runtime.Goexit from a kill).
func (t *Task) finish(ok *bool) {
	t.state.Store(taskEnding)
	var crash *PanicError
	if !*ok {
		switch r := recover(); r {
		case nil: // runtime.Goexit
			if k := t.killed.Load(); k != nil {
				t.err = k
			} else {
				t.err = errGoexit
			}
		default:
			if p, isScope := r.(scopePanic); isScope {
				t.err = p.sc.deadErr() // the deadline the task inherited
			} else {
				crash = &PanicError{Value: r, Stack: debug.Stack()}
				t.err = crash
			}
		}
	} else if t.err == nil {
		if k := t.killed.Load(); k != nil {
			t.err = k // killed, and fn swallowed the error
		}
	}
	t.endTools()
	g := &t.g
	if s := t.s; s.turn != nil {
		s.turn.release(g)
	}
	if g.timer != nil {
		g.timer.Stop()
	}
	if g.scope != nil {
		g.scope.close() // the deadline the task inherited
	}
	if t.unlink != nil {
		t.unlink()
	}
	g.unregister()
	t.detach()
	t.cancel(context.Canceled)
	t.s.removeTask(t)
	if crash != nil {
		t.s.reportPanic(t, crash)
	}
	if t.onEnd != nil {
		t.onEnd(t)
	}
	t.markEnded()
	if crash != nil && t.s.cfg.crashOnPanic {
		panic(crash)
	}
}

// reportPanic reports a task's panic: an OpPanic event to the observers,
// and the panic on the scheduler's log when nobody observes.
func (s *Scheduler) reportPanic(t *Task, p *PanicError) {
	now := s.clock.stamp()
	if s.obs.Load() != nil {
		s.emit(Event{Kind: OpPanic, Task: t, Start: s.clock.wall(now), Err: p, Stack: p.Stack})
		return
	}
	if w := s.cfg.log; w != nil {
		fmt.Fprintf(w, "iox: %v of scheduler %q panicked: %v\n\n%s\n", t, s.cfg.name, p.Value, p.Stack)
	}
}

// finishEarly ends a task that never ran.
func (t *Task) finishEarly(err error) {
	t.state.Store(taskEnding)
	if t.g.scope != nil {
		t.g.scope.close()
	}
	t.err = err
	t.cancel(err)
	if t.onEnd != nil {
		t.onEnd(t)
	}
	t.markEnded()
}

// markEnded publishes the end of the task: Err returns its error, and the
// channel Done returned, if any, is closed.
func (t *Task) markEnded() {
	t.mu.Lock()
	t.ended.Store(true)
	if ch := t.doneCh.Load(); ch != nil {
		close(*ch)
	}
	t.mu.Unlock()
}

// closedChan is the Done channel of tasks that ended before anyone asked.
var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// detach unlinks the task from its parent and forgets its children, who
// live on.
func (t *Task) detach() {
	if p := t.parent; p != nil {
		p.mu.Lock()
		if t.cPrev != nil {
			t.cPrev.cNext = t.cNext
		} else if p.children == t {
			p.children = t.cNext
		}
		if t.cNext != nil {
			t.cNext.cPrev = t.cPrev
		}
		t.cPrev, t.cNext = nil, nil
		p.mu.Unlock()
	}
	t.mu.Lock()
	for c := t.children; c != nil; {
		next := c.cNext
		c.cPrev, c.cNext = nil, nil
		c = next
	}
	t.children = nil
	t.mu.Unlock()
}

// ID returns the task's id, unique in the process.
func (t *Task) ID() uint64 { return t.id }

// Name returns the name set with SetName, or else the name of the task's
// function ("main.main.func1").
func (t *Task) Name() string {
	if n := t.name.Load(); n != nil {
		return *n
	}
	if f := runtime.FuncForPC(reflect.ValueOf(t.fn).Pointer()); f != nil {
		return f.Name()
	}
	return "task-" + strconv.FormatUint(t.id, 10)
}

// SetName names the task in reports, and returns t.
func (t *Task) SetName(name string) *Task {
	t.name.Store(&name)
	return t
}

// Scheduler returns the scheduler that runs t.
func (t *Task) Scheduler() *Scheduler { return t.s }

// Context returns the context the task's function was given.
func (t *Task) Context() context.Context { return &t.ctxv }

// Parent returns the task that started t, or nil if t was started by a
// goroutine that is no task.
func (t *Task) Parent() *Task { return t.parent }

// Spawned returns where the task was started: the file and line of the
// call of Go, Spawn or their kin, or "" if unknown.
func (t *Task) Spawned() string {
	f, ok := callers.Frame(t.site, int(t.depth))
	if !ok || f.File == "" {
		return ""
	}
	return f.File + ":" + strconv.Itoa(f.Line)
}

// Stack returns the stack of the task's goroutine, formatted as in
// panics, or nil once the task has ended.
func (t *Task) Stack() []byte {
	id := t.g.id.Load()
	if t.ended.Load() || id == 0 {
		return nil // ended, or waiting for its first turn: no goroutine yet
	}
	return goroutineStack(id)
}

// Done returns a channel that is closed when the task has ended.
func (t *Task) Done() <-chan struct{} {
	if ch := t.doneCh.Load(); ch != nil {
		return *ch
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if ch := t.doneCh.Load(); ch != nil {
		return *ch
	}
	if t.ended.Load() {
		return closedChan
	}
	ch := make(chan struct{})
	t.doneCh.Store(&ch)
	return ch
}

// Err returns the task's error once it has ended, and nil before. The error
// is what the function returned; the kill error (matching ErrKilled) if it
// was killed and unwound or returned nil; ErrTimeout if a deadline it
// inherited unwound it; a *PanicError if it panicked.
func (t *Task) Err() error {
	if t.ended.Load() {
		return t.err
	}
	return nil
}

// killErr returns the task's kill error, or nil; nil on a nil task.
func (t *Task) killErr() error {
	if t == nil {
		return nil
	}
	if k := t.killed.Load(); k != nil {
		return k
	}
	return nil
}

func (t *Task) String() string {
	return "task " + strconv.FormatUint(t.id, 10) + " (" + t.Name() + ")"
}
