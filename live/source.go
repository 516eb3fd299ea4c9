package live

import (
	"time"

	"github.com/coop-go/coop/iox"
)

// This file is where live reads iox: a snapshot's rows, the stats, a task
// by id and its stack.

// row is one task of a snapshot, as the list sorts and filters it.
type row struct {
	id, parent           uint64
	name, state, op      string
	target, spawned      string
	since                time.Time
	blocked, age         time.Duration
	busy, idle           time.Duration
	calls, bytes, errors int64
}

// rowOf reads one task of a snapshot.
func rowOf(ts iox.TaskState) row {
	r := row{
		id:      ts.ID,
		name:    ts.Name,
		state:   stateName(ts.State),
		age:     ts.Age,
		calls:   ts.Ops,
		bytes:   ts.Bytes,
		errors:  ts.Errors,
		parent:  ts.Parent,
		busy:    ts.Busy,
		idle:    ts.Idle,
		spawned: ts.Spawned,
	}
	if ts.State == iox.Blocked {
		r.op, r.target, r.since, r.blocked = ts.Op.String(), ts.Target, ts.Since, ts.For
	}
	return r
}

// stateName is the schema's name of a task state.
func stateName(s iox.TaskStatus) string {
	switch s {
	case iox.Running:
		return "running"
	case iox.Blocked:
		return "blocked"
	case iox.Runnable:
		return "runnable"
	case iox.Holding:
		return "holding"
	}
	return s.String()
}

// statsOf returns the scheduler's stats, or nil if it does not collect
// them.
func statsOf(s *iox.Scheduler) *iox.Stats {
	return s.Stats() // nil while the scheduler collects none
}

// lookup returns the live task of the scheduler with the given id, or nil.
func (h *handler) lookup(id uint64) *iox.Task { return h.s.Lookup(id) }

// stackOf returns the stack of t's goroutine, or nil once it has ended.
func (h *handler) stackOf(t *iox.Task) []byte { return t.Stack() }

// ended reports whether t has ended.
func ended(t *iox.Task) bool {
	select {
	case <-t.Done():
		return true
	default:
		return false
	}
}
