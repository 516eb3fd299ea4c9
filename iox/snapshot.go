package iox

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/coop-go/coop/internal/callers"
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
// exact for its task but the lines are not one instant. A task that waits
// outside any coop call (a raw channel operation, a sync.Mutex) shows as
// Running: Scheduler.Parked finds it, at the price of a goroutine dump.
//
// Snapshot's cost grows with the number of tasks, and little else: at
// 10,000 tasks it allocates the slice it returns and about a third as
// much again (BENCHMARKS.md).
func (s *Scheduler) Snapshot() Snapshot {
	c := s.clock
	now := c.stamp()
	snap := Snapshot{Scheduler: s.cfg.name, Mode: s.cfg.mode, Taken: c.wall(now)}
	sc := getScratch()
	defer sc.put()
	sc.live = s.tasks.appendAll(sc.live[:0], int(s.ntasks.Load()))
	live := sc.live
	var queued map[*gstate]bool
	var holder *gstate
	if tn := s.turn; tn != nil {
		tn.inspect(func(q map[*gstate]bool, h *gstate) { queued, holder = q, h })
	}
	if len(live) == 0 {
		return snap
	}
	snap.Tasks = make([]TaskState, len(live))
	keys := slices.Grow(sc.keys[:0], len(live))[:len(live)]
	sc.keys = keys
	for i, t := range live {
		p := t.g.read()
		ts := &snap.Tasks[i]
		*ts = TaskState{
			ID:      t.id,
			Name:    t.displayName(),
			Age:     c.elapsed(now - t.born),
			Ops:     p.ops,
			Bytes:   p.bytes,
			Errors:  p.errs,
			Spawned: t.spawnedAt(),
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
		keys[i] = snapKey{blocked: ts.For, id: ts.ID, at: int32(i)}
	}
	sortStates(snap.Tasks, keys)
	return snap
}

// snapKey is what Snapshot sorts a task by: the longest blocked first,
// then by id; at is its index in the unsorted table.
type snapKey struct {
	blocked time.Duration
	id      uint64
	at      int32
}

// sortStates sorts tasks in Snapshot's order, keys being their sort keys:
// it sorts the keys, small, and then moves each TaskState once, following
// the permutation's cycles, instead of sorting the TaskStates themselves.
func sortStates(tasks []TaskState, keys []snapKey) {
	slices.SortFunc(keys, func(a, b snapKey) int {
		if a.blocked != b.blocked {
			if a.blocked > b.blocked {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.id, b.id)
	})
	// Position j takes the TaskState at keys[j].at; a visited key's at
	// becomes -1.
	for j := range keys {
		if keys[j].at < 0 {
			continue
		}
		if int(keys[j].at) == j {
			keys[j].at = -1
			continue
		}
		first := tasks[j]
		k := j
		for {
			from := int(keys[k].at)
			keys[k].at = -1
			if from == j {
				tasks[k] = first
				break
			}
			tasks[k] = tasks[from]
			k = from
		}
	}
}

// scratch is the working memory of Snapshot and Parked, reused from call
// to call.
type scratch struct {
	live []*Task
	keys []snapKey
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// put returns the scratch to the pool without the tasks it pointed to, so
// that it keeps no ended task alive.
func (sc *scratch) put() {
	clear(sc.live)
	sc.live = sc.live[:0]
	scratchPool.Put(sc)
}

// displayName is Name, with the function's name of an unnamed task
// looked up once per function rather than once per call.
func (t *Task) displayName() string {
	if n := t.name.Load(); n != nil {
		return *n
	}
	if name := funcName(t.fnEntry()); name != "" {
		return name
	}
	return "task-" + strconv.FormatUint(t.id, 10)
}

// spawnedAt is Spawned, formatted once per call site (there are as many
// as the program has Go and Spawn calls) rather than once per task and
// Snapshot.
func (t *Task) spawnedAt() string {
	if t.site[0] == 0 {
		return ""
	}
	h := uint64(t.depth)
	for _, pc := range t.site {
		h = h*31 + uint64(pc)
	}
	e := &spawnSites[pcSlot(uintptr(h), len(spawnSites))]
	if site := e.Load(); site != nil && site.site == t.site && site.depth == t.depth {
		return site.at
	}
	site := &spawnSite{site: t.site, depth: t.depth, at: t.Spawned()}
	e.Store(site)
	return site.at
}

// spawnSites caches spawnedAt, direct-mapped: a call site whose slot
// another took is formatted again, never wrong.
var spawnSites [512]atomic.Pointer[spawnSite]

type spawnSite struct {
	site  callers.Site
	depth uint8
	at    string
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
