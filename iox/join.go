package iox

import (
	"errors"
	"strconv"
	"time"
)

// ErrWaitSelf is the error of a wait that could only end when the waiting
// task itself ends: Task.Wait called by the task, Group.Wait and
// Pool.Wait called by one of the group's own tasks.
var ErrWaitSelf = errors.New("iox: task waits for itself")

// Wait blocks until the task has ended and returns its error (see Err).
// Wait is a blocking call like any other: a kill of the calling task or an
// expired scope ends it early with that error. Called by the task itself,
// Wait returns ErrWaitSelf at once instead of waiting forever.
func (t *Task) Wait() error {
	g := current()
	if g != nil && g.task == t && !t.ended.Load() {
		return ErrWaitSelf
	}
	if err := waitChan(g, waitReturns, OpJoin, t.Name(), t.Done()); err != nil {
		return err
	}
	return t.err
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
		next := 0 // tasks[:next] have ended, or are the caller
		pending := func() *Task {
			for ; next < len(tasks); next++ {
				t := tasks[next]
				if !t.ended.Load() && (g == nil || t != g.task) {
					return t
				}
			}
			return nil
		}
		wait(g, waitUnwinds, OpJoin, "", until,
			func() bool { return pending() == nil },
			func(a *armed) error {
				for t := pending(); t != nil; t = pending() {
					if err := a.on(t.Done()); err != nil {
						return err
					}
				}
				return nil
			}, nil)
	}
	var out []*Task
	for _, t := range tasks {
		if t.ended.Load() {
			out = append(out, t)
		}
	}
	return out
}
