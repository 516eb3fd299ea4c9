package iox

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coop-go/coop/internal/tick"
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
	ID     uint64
	Name   string
	State  TaskStatus
	Op     OpKind        // the blocking call the task is in, if State is Blocked
	Target string        // what that call waits on
	Since  time.Time     // when that call began
	For    time.Duration // how long it has been blocked
	Age    time.Duration // since the task was started
	Ops    int64         // blocking calls ended so far
	Bytes  int64         // bytes they moved
	Errors int64         // calls that returned an error other than io.EOF
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
	now := tick.Now()
	snap := Snapshot{Scheduler: s.cfg.name, Mode: s.cfg.mode, Taken: tick.Time(now)}
	live := s.tasks.all()
	queued := map[*gstate]bool{}
	var holder *gstate
	if tn := s.turn; tn != nil {
		tn.mu.Lock()
		tn.queue.each(func(g *gstate) { queued[g] = true })
		tn.mu.Unlock()
		holder = tn.holder.Load()
	}
	for _, t := range live {
		p := t.g.read()
		ts := TaskState{
			ID:     t.id,
			Name:   t.Name(),
			Age:    tick.Duration(now - t.born),
			Ops:    p.ops,
			Bytes:  p.bytes,
			Errors: p.errs,
		}
		switch {
		case p.kind != 0:
			ts.State, ts.Op, ts.Target = Blocked, p.kind, p.target
			ts.Since = tick.Time(p.start)
			ts.For = tick.Duration(now - p.start)
		case queued[&t.g]:
			ts.State = Runnable
		case holder == &t.g:
			ts.State = Holding
		}
		snap.Tasks = append(snap.Tasks, ts)
	}
	slices.SortFunc(snap.Tasks, func(a, b TaskState) int {
		return cmp.Or(cmp.Compare(b.For, a.For), cmp.Compare(a.ID, b.ID))
	})
	return snap
}

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
