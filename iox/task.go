package iox

import (
	"context"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/internal/tick"
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
	pc     uintptr // fn's entry, for the default name
	name   atomic.Pointer[string]
	ctx    context.Context
	cancel context.CancelCauseFunc
	ended  atomic.Bool                   // the task has ended; err is set
	doneCh atomic.Pointer[chan struct{}] // made on demand by Done, under mu
	err    error                         // set before ended
	born   int64                         // ticks
	onEnd  func(*Task)

	killed atomic.Pointer[killedError]
	state  atomic.Int32 // taskRunning, taskEnding

	g gstate

	mu       sync.Mutex // children and timers
	parent   *Task
	children *Task // first child, through cPrev/cNext
	cPrev    *Task
	cNext    *Task
	timers   []timerRef // weak references to the task's timers, for Kill

	slot int32 // in the scheduler's registry
	ctxv taskCtx
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
	return s.start(fn, nil, nil)
}

// start starts fn as a task; onStart runs before the task's goroutine
// does, and onEnd on it after the task's error is known and before Done is
// closed (both may be nil).
func (s *Scheduler) start(fn func(ctx context.Context) error, onStart, onEnd func(*Task)) *Task {
	t := &Task{
		id: lastTaskID.Add(1),
		s:  s,
		fn: fn,
		pc: reflect.ValueOf(fn).Pointer(),
	}
	t.g.task, t.g.s = t, s
	base := context.Background()
	var cancelDL context.CancelFunc
	if pg := current(); pg != nil {
		if dl, ok := pg.deadline(); ok {
			base, cancelDL = context.WithDeadlineCause(base, dl, ErrTimeout)
			t.g.scope = newScope(s.clock, dl, nil)
		}
		t.parent = pg.task
	}
	ctx, cancel := context.WithCancelCause(base)
	t.ctxv = taskCtx{Context: ctx, t: t}
	t.ctx = &t.ctxv
	t.cancel = cancel
	if cancelDL != nil {
		t.cancel = func(cause error) { cancel(cause); cancelDL() }
	}
	t.onEnd = onEnd
	if onStart != nil {
		onStart(t)
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
	t.born = tick.Now()
	if s.turn != nil {
		t.g.turnCh = make(chan struct{}, 1)
		s.turn.enqueue(&t.g)
	}
	go t.run()
	return t
}

// Spawn starts fn as a task of the calling task's scheduler, or of Default
// outside any task; see Scheduler.Go.
func Spawn(fn func(ctx context.Context) error) *Task {
	if g := current(); g != nil && g.task != nil {
		return g.task.s.Go(fn)
	}
	return Default().Go(fn)
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
// (net/http dials on its own goroutine) are reported for it.
type taskCtx struct {
	context.Context
	t *Task
}

func (c *taskCtx) Value(key any) any {
	if _, ok := key.(taskKey); ok {
		return c.t
	}
	return c.Context.Value(key)
}

func (c *taskCtx) String() string { return "iox.task(" + c.t.Name() + ")" }

func (t *Task) run() {
	g := &t.g
	g.register()
	ok := false
	defer t.finish(&ok)
	if t.s.turn != nil {
		<-g.turnCh // queued by Go
	}
	if k := t.killed.Load(); k != nil {
		t.err = k // killed before it started: fn does not run
		ok = true
		return
	}
	t.err = t.fn(t.ctx)
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
			if _, isScope := r.(scopePanic); isScope {
				t.err = ErrTimeout // the deadline the task inherited
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
	g.unregister()
	t.detach()
	t.cancel(context.Canceled)
	t.s.removeTask(t)
	if t.onEnd != nil {
		t.onEnd(t)
	}
	t.markEnded()
	if crash != nil && t.s.cfg.crashOnPanic {
		panic(crash)
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

// markEnded publishes the end of the task: isDone turns true, and the
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

// isDone reports whether the task has ended (and its err is set).
func (t *Task) isDone() bool { return t.ended.Load() }

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
	if f := runtime.FuncForPC(t.pc); f != nil {
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
func (t *Task) Context() context.Context { return t.ctx }

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

// Wait blocks until the task has ended and returns its error (see Err).
// Wait is a blocking call like any other: a kill of the calling task or an
// expired scope ends it early with that error. Called by the task itself,
// Wait returns an error at once instead of waiting forever.
func (t *Task) Wait() error {
	g := current()
	if t.ended.Load() {
		if g.observed() {
			instant(g, OpJoin, t.Name(), 0, nil)
		} else if g != nil {
			instant(g, OpJoin, "", 0, nil)
		}
		return t.err
	}
	if g != nil && g.task == t {
		return errWaitSelf
	}
	if g == nil {
		op, _ := beginDetached(context.Background(), OpJoin, t.Name())
		<-t.Done()
		op.End(0, nil)
		return t.err
	}
	op, err := g.begin(OpJoin, t.Name())
	if err != nil {
		return err
	}
	err = g.wait(t.Done(), time.Time{})
	if err = op.End(0, err); err != nil {
		return err
	}
	return t.err
}

// Kill asks the task to stop: its context is cancelled with the kill
// error as cause, the blocking call it is in (if any) is interrupted, and
// every later blocking call fails at once. Calls with an error result
// return an error matching ErrKilled and reason (which may be nil); calls
// with none unwind the task as runtime.Goexit does (deferred calls run).
// Kill also kills the task's children. It does not wait: use Wait. Kill of
// a task that has ended does nothing; the first kill's reason is kept.
func (t *Task) Kill(reason error) {
	if t.state.Load() != taskRunning {
		return
	}
	k := &killedError{reason: reason}
	if !t.killed.CompareAndSwap(nil, k) {
		return
	}
	t.cancel(k)
	if op := t.g.cur.Load(); op != nil {
		op.interrupt()
	}
	t.fireTimers()
	t.mu.Lock()
	var kids []*Task
	for c := t.children; c != nil; c = c.cNext {
		kids = append(kids, c)
	}
	t.mu.Unlock()
	for _, c := range kids {
		c.Kill(reason)
	}
}

// JoinAll waits until every task has ended or timeout has passed, and
// returns the tasks that have ended, in the order given. A zero or negative
// timeout does not wait: JoinAll reports the tasks already ended. The
// calling task itself, if listed, is never waited for. JoinAll is a
// blocking call without an error result: a kill unwinds the calling task
// and an expired scope unwinds to its Timeout.
func JoinAll(timeout time.Duration, tasks ...*Task) []*Task {
	for i, t := range tasks {
		if t == nil {
			panic("iox: JoinAll: task " + strconv.Itoa(i) + " is nil")
		}
	}
	g := current()
	if timeout > 0 {
		until := g.sched().clock.Now().Add(timeout)
		switch {
		case g == nil:
			op, _ := beginDetached(context.Background(), OpJoin, "")
			joinPlain(until, tasks)
			op.End(0, nil)
		default:
			op := g.mustBegin(OpJoin, "")
			var err error
			for _, t := range tasks {
				if t == g.task {
					continue
				}
				if t.ended.Load() {
					continue
				}
				if err = g.wait(t.Done(), until); err != nil {
					break
				}
			}
			if err == errUntil {
				err = nil
			}
			g.mustEnd(op, err)
		}
	}
	var out []*Task
	for _, t := range tasks {
		if t.ended.Load() {
			out = append(out, t)
		}
	}
	return out
}

// joinPlain waits for tasks until the deadline on a goroutine the
// scheduler does not know.
func joinPlain(until time.Time, tasks []*Task) {
	c := Default().clock
	d := until.Sub(c.Now())
	if d <= 0 {
		return
	}
	tm := c.NewTimer(d)
	defer tm.Stop()
	for _, t := range tasks {
		if t.ended.Load() {
			continue
		}
		select {
		case <-t.Done():
		case <-tm.C():
			return
		}
	}
}

// KillAll kills every task given with reason; see Task.Kill. It does not
// wait: use JoinAll.
func KillAll(reason error, tasks ...*Task) {
	for i, t := range tasks {
		if t == nil {
			panic("iox: KillAll: task " + strconv.Itoa(i) + " is nil")
		}
	}
	for _, t := range tasks {
		t.Kill(reason)
	}
}

func (t *Task) String() string {
	return "task " + strconv.FormatUint(t.id, 10) + " (" + t.Name() + ")"
}
