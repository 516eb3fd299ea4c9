package iox

import (
	"context"
	"fmt"
	"sync"
)

// A Pool is a group of tasks of which at most a fixed number run at once,
// as gevent.pool.Pool: Go blocks while the pool is full. It is a Group
// with a Limit; make one with NewPool. Its tasks run on Scheduler, or as
// Spawn starts them if that is nil; set it before the first Go. A Pool is
// safe for concurrent use by multiple goroutines.
//
// A Pool's zero value has no size: its Go panics, rather than run tasks
// without a limit.
type Pool struct {
	// Scheduler runs the pool's tasks; nil means as Spawn does. Changing
	// it after the first Go panics.
	Scheduler *Scheduler

	once  sync.Once
	size  int
	sched *Scheduler // Scheduler at the first use
	group Group
}

// NewPool returns a pool that runs at most size tasks at once. NewPool
// panics if size is less than 1.
func NewPool(size int) *Pool {
	if size < 1 {
		panic(fmt.Sprintf("iox: NewPool(%d): size must be at least 1", size))
	}
	return &Pool{size: size}
}

func (p *Pool) init() *Group {
	if p.size < 1 {
		panic("iox: Pool used without NewPool: a Pool needs a size")
	}
	p.once.Do(func() {
		p.sched = p.Scheduler
		p.group.Scheduler, p.group.Limit = p.Scheduler, p.size
	})
	if p.Scheduler != p.sched {
		panic("iox: a Pool's Scheduler changed after its first use")
	}
	return &p.group
}

// Go waits for a free slot and starts fn as a task of the pool in it; see
// Scheduler.Go. Waiting is a blocking call without an error result: it
// releases the turn, and a kill of the calling task or an expired scope
// unwinds it, as Sleep does (no task is started then).
func (p *Pool) Go(fn func(ctx context.Context) error) *Task {
	if fn == nil {
		panic("iox: Pool.Go called with a nil function")
	}
	gr := p.init()
	c := gr.config()
	send(c.slots, struct{}{}, OpAcquire, "pool")
	return gr.start(c, fn, 1)
}

// Wait blocks until every task of the pool has ended, and returns the first
// error a task ended with; see Group.Wait.
func (p *Pool) Wait() error { return p.init().Wait() }

// Kill kills every task of the pool; see Group.Kill.
func (p *Pool) Kill(reason error) { p.init().Kill(reason) }

// Len returns the number of tasks running in the pool.
func (p *Pool) Len() int { return p.init().Len() }

// Free returns the number of tasks the pool can start without waiting.
func (p *Pool) Free() int {
	c := p.init().config()
	return cap(c.slots) - len(c.slots)
}

// Size returns the most tasks the pool runs at once.
func (p *Pool) Size() int { return p.size }
