// Package tracetest reads a runtime/trace execution trace, as go tool
// trace does (with golang.org/x/exp/trace, the runtime's own parser made
// importable), into what the tests of coop's trace tasks and regions
// look at: the user tasks, their regions and their logs.
package tracetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/trace"
	"slices"
	"strings"
	"time"

	xtrace "golang.org/x/exp/trace"
)

// Trace is what a trace says of its user tasks.
type Trace struct {
	Tasks   map[xtrace.TaskID]*Task
	Regions []Region // in the order they began
}

// Task is a user task (runtime/trace.NewTask).
type Task struct {
	ID     xtrace.TaskID
	Parent xtrace.TaskID
	Type   string
	Ended  bool
	Logs   []Log
}

// Log is a user log (runtime/trace.Log).
type Log struct{ Category, Message string }

// Region is a user region (runtime/trace.StartRegion), with the
// goroutine it ran on and how long it lasted (0 if it did not end in the
// trace).
type Region struct {
	Task      xtrace.TaskID
	Type      string
	Goroutine xtrace.GoID
	Duration  time.Duration
	Ended     bool
}

// Record traces fn: it returns the trace of everything the process did
// while fn ran. It returns an error, and does not run fn, if the process
// is tracing already (go test -trace).
func Record(fn func()) ([]byte, error) {
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		return nil, fmt.Errorf("tracetest: %w", err)
	}
	fn()
	trace.Stop()
	return buf.Bytes(), nil
}

// Parse reads a trace.
func Parse(b []byte) (*Trace, error) {
	r, err := xtrace.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("tracetest: %w", err)
	}
	tr := &Trace{Tasks: map[xtrace.TaskID]*Task{}}
	open := map[xtrace.GoID][]int{} // regions open on each goroutine, innermost last
	task := func(id xtrace.TaskID) *Task {
		t := tr.Tasks[id]
		if t == nil {
			t = &Task{ID: id}
			tr.Tasks[id] = t
		}
		return t
	}
	begun := map[int]xtrace.Time{}
	for {
		ev, err := r.ReadEvent()
		if errors.Is(err, io.EOF) {
			return tr, nil
		}
		if err != nil {
			return nil, fmt.Errorf("tracetest: %w", err)
		}
		switch ev.Kind() {
		case xtrace.EventTaskBegin:
			tk := ev.Task()
			t := task(tk.ID)
			t.Parent, t.Type = tk.Parent, tk.Type
		case xtrace.EventTaskEnd:
			task(ev.Task().ID).Ended = true
		case xtrace.EventLog:
			l := ev.Log()
			t := task(l.Task)
			t.Logs = append(t.Logs, Log{l.Category, l.Message})
		case xtrace.EventRegionBegin:
			rg := ev.Region()
			begun[len(tr.Regions)] = ev.Time()
			open[ev.Goroutine()] = append(open[ev.Goroutine()], len(tr.Regions))
			tr.Regions = append(tr.Regions, Region{Task: rg.Task, Type: rg.Type, Goroutine: ev.Goroutine()})
		case xtrace.EventRegionEnd:
			stack := open[ev.Goroutine()]
			if len(stack) == 0 {
				continue // began before the trace did
			}
			i := stack[len(stack)-1]
			open[ev.Goroutine()] = stack[:len(stack)-1]
			tr.Regions[i].Ended = true
			tr.Regions[i].Duration = time.Duration(ev.Time() - begun[i]) // both in nanoseconds
		}
	}
}

// Named returns the tasks of the given type, in no order.
func (tr *Trace) Named(typ string) []*Task {
	var out []*Task
	for _, t := range tr.Tasks {
		if t.Type == typ {
			out = append(out, t)
		}
	}
	return out
}

// RegionsOf returns the regions of task id.
func (tr *Trace) RegionsOf(id xtrace.TaskID) []Region {
	var out []Region
	for _, r := range tr.Regions {
		if r.Task == id {
			out = append(out, r)
		}
	}
	return out
}

// String lists the tasks and their regions, for a test's failure message.
func (tr *Trace) String() string {
	var sb strings.Builder
	ids := make([]xtrace.TaskID, 0, len(tr.Tasks))
	for id := range tr.Tasks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		t := tr.Tasks[id]
		fmt.Fprintf(&sb, "task %d %q (parent %d, ended %v) logs %v\n", t.ID, t.Type, t.Parent, t.Ended, t.Logs)
		for _, r := range tr.RegionsOf(id) {
			fmt.Fprintf(&sb, "\tregion %q on goroutine %d, %v\n", r.Type, r.Goroutine, r.Duration)
		}
	}
	return sb.String()
}
