package iox

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// A Snapshot is the state of every task of a scheduler at one moment: the
// table to read first when a program is stuck, as gevent's
// print_run_info. fmt.Println(s.Snapshot()) prints it.
type Snapshot struct {
	Scheduler string
	Mode      Mode
	Taken     time.Time
	Tasks     []TaskState // the longest blocked first, then the others by id
}

// TaskState is one task in a Snapshot.
type TaskState struct {
	ID      uint64
	Name    string
	Parent  uint64 // the id of the task that started it; 0 if none
	State   TaskStatus
	Op      OpKind        // the blocking call the task is in, if State is Blocked
	Target  string        // what that call waits on
	Since   time.Time     // when that call began
	For     time.Duration // how long it has been blocked
	Age     time.Duration // since the task was started
	Busy    time.Duration // of Age, the time outside blocking calls
	Idle    time.Duration // of Age, the time in blocking calls
	Ops     int64         // blocking calls ended so far
	Bytes   int64         // bytes they moved
	Errors  int64         // calls that returned an error other than io.EOF
	Spawned string        // file:line of the call that started it
}

// TaskStatus says what a task is doing.
type TaskStatus int

const (
	Running  TaskStatus = iota // running its own code
	Blocked                    // in a blocking call
	Runnable                   // Cooperative mode: waiting for the turn
	Holding                    // Cooperative mode: holds the turn and runs
)

func (s TaskStatus) String() string {
	switch s {
	case Running:
		return "running"
	case Blocked:
		return "blocked"
	case Runnable:
		return "runnable"
	case Holding:
		return "holding turn"
	}
	return fmt.Sprintf("TaskStatus(%d)", int(s))
}

// Snapshot returns the state of every live task of s. It takes the
// scheduler's lock briefly and does not stop the tasks, so each line is
// exact for its task but the lines are not one instant.
func (s *Scheduler) Snapshot() Snapshot {
	c := s.clock
	now := c.stamp()
	snap := Snapshot{Scheduler: s.cfg.name, Mode: s.cfg.mode, Taken: c.wall(now)}
	live := s.tasks.all()
	var queued map[*gstate]bool
	var holder *gstate
	if tn := s.turn; tn != nil {
		tn.inspect(func(q map[*gstate]bool, h *gstate) { queued, holder = q, h })
	}
	for _, t := range live {
		p := t.g.read()
		ts := TaskState{
			ID:      t.id,
			Name:    t.Name(),
			Age:     c.elapsed(now - t.born),
			Ops:     p.ops,
			Bytes:   p.bytes,
			Errors:  p.errs,
			Spawned: t.Spawned(),
		}
		if t.parent != nil {
			ts.Parent = t.parent.id
		}
		blocked := p.blocked
		switch {
		case p.kind != 0:
			ts.State, ts.Op, ts.Target = Blocked, p.kind, p.target
			ts.Since = c.wall(p.start)
			ts.For = c.elapsed(now - p.start)
			blocked += now - p.start
		case queued[&t.g]:
			ts.State = Runnable
		case holder == &t.g:
			ts.State = Holding
		}
		ts.Idle = min(c.elapsed(blocked), ts.Age)
		ts.Busy = ts.Age - ts.Idle
		snap.Tasks = append(snap.Tasks, ts)
	}
	slices.SortFunc(snap.Tasks, func(a, b TaskState) int {
		return cmp.Or(cmp.Compare(b.For, a.For), cmp.Compare(a.ID, b.ID))
	})
	return snap
}

// Lookup returns the live task of s with the given id, or nil: how an
// admin endpoint that read an id from a Snapshot kills that task.
func (s *Scheduler) Lookup(id uint64) *Task { return s.tasks.lookup(id) }

// Task returns the state of the task with the given id, and whether the
// snapshot has it.
func (sn Snapshot) Task(id uint64) (TaskState, bool) {
	for _, t := range sn.Tasks {
		if t.ID == id {
			return t, true
		}
	}
	return TaskState{}, false
}

// String renders the snapshot as a table, one line per task, the longest
// blocked first:
//
//	scheduler "crawl" (Free) at 15:04:05.000: 3 tasks, 2 blocked, 1 running
//	  TASK  NAME        STATE    OP    TARGET          FOR   AGE   OPS  BYTES  ERRS
//	    17  main.fetch  blocked  read  10.0.0.3:443    2.1s  2.3s   12   4.2k     0
func (sn Snapshot) String() string {
	counts := map[TaskStatus]int{}
	for _, t := range sn.Tasks {
		counts[t.State]++
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "scheduler %q (%v) at %s: %d tasks", sn.Scheduler, sn.Mode, sn.Taken.Format("15:04:05.000"), len(sn.Tasks))
	for _, st := range []TaskStatus{Blocked, Holding, Runnable, Running} {
		if n := counts[st]; n > 0 {
			fmt.Fprintf(&sb, ", %d %s", n, st)
		}
	}
	sb.WriteString("\n")
	if len(sn.Tasks) == 0 {
		return sb.String()
	}
	w := tabwriter.NewWriter(&sb, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "  TASK\tNAME\tSTATE\tOP\tTARGET\tFOR\tAGE\tOPS\tBYTES\tERRS")
	for _, t := range sn.Tasks {
		op, target, dur := "-", "-", "-"
		if t.State == Blocked {
			op, dur = t.Op.String(), shortDuration(t.For)
			if t.Target != "" {
				target = t.Target
			}
		}
		fmt.Fprintf(w, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\n", t.ID, t.Name, t.State, op, target, dur,
			shortDuration(t.Age), t.Ops, byteCount(t.Bytes), t.Errors)
	}
	w.Flush()
	return sb.String()
}

// shortDuration rounds d, a measured duration, to three significant
// digits.
func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d >= time.Microsecond:
		return d.Round(10 * time.Nanosecond).String()
	}
	return d.String()
}
