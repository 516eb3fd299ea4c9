package live

import (
	"bytes"
	"runtime"
	"strconv"
	"time"

	"github.com/coop-go/coop/iox"
)

// This file is the one place where live reads what iox is still adding:
// TaskState's Parent, Busy, Idle and Spawned, Scheduler.Lookup, Task.Stack,
// and stats that Stats() no longer switches on by itself. Each line marked
// "iox:" becomes the one-line call it names when that lands; nothing else
// in the package changes.

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
		id:     ts.ID,
		name:   ts.Name,
		state:  stateName(ts.State),
		age:    ts.Age,
		calls:  ts.Ops,
		bytes:  ts.Bytes,
		errors: ts.Errors,
		// iox: parent, busy, idle, spawned = ts.Parent, ts.Busy, ts.Idle, ts.Spawned
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
	return s.Stats() // iox: the call that returns nil while stats are off, when Stats() stops switching them on
}

// lookup returns the live task of the scheduler with the given id, or nil.
func (h *handler) lookup(id uint64) *iox.Task {
	// iox: return h.s.Lookup(id)
	if t := h.rec.task(id); t != nil && !ended(t) && t.Scheduler() == h.s {
		return t
	}
	return nil
}

// stackOf returns the stack of t's goroutine, or nil if it is not known.
func (h *handler) stackOf(t *iox.Task) []byte {
	// iox: return t.Stack()
	gid := h.rec.goroutine(t.ID())
	if gid == 0 {
		return nil
	}
	return goroutineStack(gid)
}

// goroutineStack returns the stack of goroutine id, from a dump of all
// goroutines, or nil if it has ended.
func goroutineStack(id int64) []byte {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	head := []byte("goroutine " + strconv.FormatInt(id, 10) + " [")
	i := bytes.Index(buf, head)
	if i < 0 {
		return nil
	}
	rest := buf[i:]
	if j := bytes.Index(rest, []byte("\n\n")); j >= 0 {
		rest = rest[:j]
	}
	return bytes.Clone(rest)
}

// ended reports whether t has ended.
func ended(t *iox.Task) bool {
	select {
	case <-t.Done():
		return true
	default:
		return false
	}
}
