package iox

import (
	"context"
	"sync"
	"time"
)

// A Group is a set of tasks that are waited for and killed together, as
// gevent.pool.Group. Its tasks are children of the task that starts them,
// like any task. The zero value is an empty group that starts its tasks on
// the calling task's scheduler (Default outside a task); set Scheduler to
// choose another. A Group is safe for concurrent use by multiple
// goroutines, and must not be copied after first use.
type Group struct {
	// Scheduler runs the group's tasks; nil means as Spawn does.
	Scheduler *Scheduler

	mu    sync.Mutex
	live  map[*Task]struct{}
	idle  chan struct{} // closed while the group has no live task
	err   error         // the first error a task ended with
	ended int
}

// Go starts fn as a task of the group and returns it; see Scheduler.Go.
func (gr *Group) Go(fn func(ctx context.Context) error) *Task {
	if fn == nil {
		panic("iox: Group.Go called with a nil function")
	}
	return gr.start(fn, nil)
}

func (gr *Group) start(fn func(ctx context.Context) error, after func()) *Task {
	s := gr.Scheduler
	if s == nil {
		s = Default()
		if g := current(); g != nil && g.task != nil {
			s = g.task.s
		}
	}
	return s.start(fn, gr.add, func(t *Task) {
		if after != nil {
			after() // before Wait can see the group idle: a Pool's slot is free by then
		}
		gr.remove(t)
	})
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

func (gr *Group) remove(t *Task) {
	gr.mu.Lock()
	defer gr.mu.Unlock()
	delete(gr.live, t)
	gr.ended++
	if t.err != nil && gr.err == nil {
		gr.err = t.err
	}
	if len(gr.live) == 0 {
		close(gr.idle)
	}
}

// Wait blocks until every task of the group has ended, including tasks
// started while it waits, and returns the first error a task ended with
// (in the order they ended), or nil. Wait is a blocking call: a kill of the
// calling task or an expired scope ends it early with that error.
func (gr *Group) Wait() error {
	for {
		gr.mu.Lock()
		idle, n, err := gr.idle, len(gr.live), gr.err
		gr.mu.Unlock()
		if n == 0 {
			return err
		}
		if werr := waitChan(idle, "group"); werr != nil {
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

// waitChan waits until ch is closed, as a blocking call of kind OpJoin
// with an error result.
func waitChan(ch <-chan struct{}, target string) error {
	return waitChanKind(current(), OpJoin, target, ch)
}

// waitChanKind waits until ch is closed, as a blocking call of the given
// kind made by g (nil: a goroutine that is no task), with an error result.
func waitChanKind(g *gstate, kind OpKind, tgt string, ch <-chan struct{}) error {
	select {
	case <-ch:
		instant(g, kind, tgt, 0, nil)
		return nil
	default:
	}
	if g == nil {
		op, _ := beginDetached(context.Background(), kind, tgt)
		<-ch
		op.End(0, nil)
		return nil
	}
	op, err := g.begin(kind, tgt)
	if err != nil {
		return err
	}
	return op.End(0, g.wait(ch, time.Time{}))
}
