package iox

import (
	"context"
	"sync"
)

// A Group is a set of tasks that are waited for and killed together, as
// gevent.pool.Group, with errgroup's habits where a user expects them:
// with Limit set, Go waits while Limit tasks are running; with FailFast
// set, the first task to fail kills the others, with its error as the
// reason. Its tasks are children of the task that starts them, like any
// task.
//
// The zero value is an empty group without limit that starts its tasks as
// Spawn does (on the calling task's scheduler, Default outside a task).
// The fields are read at the first Go: changing them afterwards panics. A
// Group is safe for concurrent use by multiple goroutines, and must not be
// copied after first use.
type Group struct {
	// Scheduler runs the group's tasks; nil means as Spawn does.
	Scheduler *Scheduler
	// Limit, if positive, is the most tasks the group runs at once.
	Limit int
	// FailFast makes the first task that ends with an error kill the
	// group's other tasks, with that error as the reason.
	FailFast bool

	mu    sync.Mutex
	cfg   *groupConfig // frozen at the first Go
	live  map[*Task]struct{}
	idle  chan struct{} // closed while the group has no live task
	err   error         // the first error a task ended with
	ended int
}

// groupConfig is a Group's fields as they were at its first Go.
type groupConfig struct {
	s        *Scheduler
	limit    int
	failFast bool
	slots    chan struct{} // nil without a limit
}

// config freezes the group's fields at first use and checks them after.
func (gr *Group) config() *groupConfig {
	gr.mu.Lock()
	defer gr.mu.Unlock()
	c := gr.cfg
	if c == nil {
		if gr.Limit < 0 {
			panic("iox: Group.Limit is negative")
		}
		c = &groupConfig{s: gr.Scheduler, limit: gr.Limit, failFast: gr.FailFast}
		if c.limit > 0 {
			c.slots = make(chan struct{}, c.limit)
		}
		gr.cfg = c
		return c
	}
	if gr.Scheduler != c.s || gr.Limit != c.limit || gr.FailFast != c.failFast {
		panic("iox: a Group's Scheduler, Limit or FailFast changed after its first Go")
	}
	return c
}

// Go starts fn as a task of the group and returns it; see Scheduler.Go.
// With a Limit, Go first waits for a free slot: waiting is a blocking call
// without an error result, which releases the turn, and a kill of the
// calling task or an expired scope unwinds it (no task is started then).
func (gr *Group) Go(fn func(ctx context.Context) error) *Task {
	if fn == nil {
		panic("iox: Group.Go called with a nil function")
	}
	c := gr.config()
	if c.slots != nil {
		send(c.slots, struct{}{}, OpAcquire, "group") // a slot
	}
	return gr.start(c, fn, 1)
}

// TryGo starts fn as a task of the group if that needs no wait for a slot,
// and reports whether it did.
func (gr *Group) TryGo(fn func(ctx context.Context) error) (*Task, bool) {
	if fn == nil {
		panic("iox: Group.TryGo called with a nil function")
	}
	c := gr.config()
	if c.slots != nil {
		select {
		case c.slots <- struct{}{}:
		default:
			return nil, false
		}
	}
	return gr.start(c, fn, 1), true
}

// start starts fn in the group; depth is the calls between the user's and
// start, beyond one.
func (gr *Group) start(c *groupConfig, fn func(ctx context.Context) error, depth int) *Task {
	s := c.s
	if s == nil {
		s = spawnScheduler()
	}
	return s.start(spawn{fn: fn, onStart: gr.add, depth: depth, onEnd: func(t *Task) {
		if c.slots != nil {
			<-c.slots // before Wait can see the group idle
		}
		gr.remove(c, t)
	}})
}

func (gr *Group) add(t *Task) {
	gr.mu.Lock()
	defer gr.mu.Unlock()
	if gr.live == nil {
		gr.live = map[*Task]struct{}{}
	}
	if len(gr.live) == 0 {
		gr.idle = make(chan struct{})
	}
	gr.live[t] = struct{}{}
}

func (gr *Group) remove(c *groupConfig, t *Task) {
	gr.mu.Lock()
	delete(gr.live, t)
	gr.ended++
	first := t.err != nil && gr.err == nil
	if first {
		gr.err = t.err
	}
	if len(gr.live) == 0 {
		close(gr.idle)
	}
	gr.mu.Unlock()
	if first && c.failFast {
		gr.Kill(t.err)
	}
}

// Wait blocks until every task of the group has ended, including tasks
// started while it waits, and returns the first error a task ended with
// (in the order they ended), or nil. Wait is a blocking call: a kill of the
// calling task or an expired scope ends it early with that error. Called
// by one of the group's own tasks, it returns ErrWaitSelf at once.
func (gr *Group) Wait() error {
	g := current()
	for {
		gr.mu.Lock()
		idle, n, err := gr.idle, len(gr.live), gr.err
		_, self := gr.live[g.taskOrNil()]
		gr.mu.Unlock()
		if n == 0 {
			return err
		}
		if self {
			return ErrWaitSelf
		}
		if werr := waitChan(g, waitReturns, OpJoin, "group", idle); werr != nil {
			return werr
		}
	}
}

// Kill kills every live task of the group with reason; see Task.Kill. It
// does not wait: use Wait.
func (gr *Group) Kill(reason error) {
	gr.mu.Lock()
	tasks := make([]*Task, 0, len(gr.live))
	for t := range gr.live {
		tasks = append(tasks, t)
	}
	gr.mu.Unlock()
	for _, t := range tasks {
		t.Kill(reason)
	}
}

// Len returns the number of live tasks in the group.
func (gr *Group) Len() int {
	gr.mu.Lock()
	defer gr.mu.Unlock()
	return len(gr.live)
}

// taskOrNil returns the goroutine's task, or nil.
func (g *gstate) taskOrNil() *Task {
	if g == nil {
		return nil
	}
	return g.task
}
