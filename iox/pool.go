package iox

import (
	"context"
	"fmt"
)

// A Pool is a group of tasks of which at most a fixed number run at once,
// as gevent.pool.Pool: Go blocks while the pool is full. A Pool is safe for
// concurrent use by multiple goroutines.
type Pool struct {
	slots chan struct{}
	group Group
}

// NewPool returns a pool that runs at most size tasks at once. Its tasks
// run on the scheduler of the task that calls Go (Default outside a
// task). NewPool panics if size is less than 1.
func NewPool(size int) *Pool {
	if size < 1 {
		panic(fmt.Sprintf("iox: NewPool(%d): size must be at least 1", size))
	}
	return &Pool{slots: make(chan struct{}, size)}
}

// Go waits for a free slot and starts fn as a task of the pool in it; see
// Scheduler.Go. Waiting is a blocking call without an error result: it
// releases the turn, and a kill of the calling task or an expired scope
// unwinds it, as Sleep does (no task is started then).
func (p *Pool) Go(fn func(ctx context.Context) error) *Task {
	if fn == nil {
		panic("iox: Pool.Go called with a nil function")
	}
	send(p.slots, struct{}{}, OpAcquire, "pool") // a slot
	return p.group.start(fn, func() { <-p.slots })
}

// Wait blocks until every task of the pool has ended, and returns the first
// error a task ended with; see Group.Wait.
func (p *Pool) Wait() error { return p.group.Wait() }

// Kill kills every task of the pool; see Group.Kill.
func (p *Pool) Kill(reason error) { p.group.Kill(reason) }

// Len returns the number of tasks running in the pool.
func (p *Pool) Len() int { return p.group.Len() }

// Free returns the number of tasks the pool can start without waiting.
func (p *Pool) Free() int { return cap(p.slots) - len(p.slots) }

// Size returns the most tasks the pool runs at once.
func (p *Pool) Size() int { return cap(p.slots) }
