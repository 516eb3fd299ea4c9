package iox

import (
	"context"
	"hash/maphash"
	"reflect"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"sync"
	"sync/atomic"
)

// This file is what tasks show Go's own tools.
//
//   - pprof labels: a task's goroutine carries the label coop.task=NAME
//     (Task.Name), from the moment it starts, so that a CPU profile
//     splits by task (go tool pprof -tagfocus coop.task=conn) and so do
//     the goroutine profile and the goroutines the task starts with a
//     plain go statement, which inherit it. The task's context answers
//     runtime/pprof with the same labels, so that pprof.Do inside a task
//     adds to them and puts them back. Tasks of one name share one label
//     set, cached: starting a task sets a pointer and allocates nothing.
//     A name set with SetName after the task started reaches its labels
//     at its next blocking call (only the goroutine itself can change its
//     labels).
//   - runtime/trace: while a trace is being taken (trace.IsEnabled), each
//     task is a trace task named after it (a child of its parent task's),
//     and each blocking call is a region on the task's goroutine named
//     after the call's kind and target ("read 10.0.0.3:443", "roundtrip
//     GET example.com"), so that go tool trace shows which task blocked
//     on what and for how long. A trace task's name is fixed when it
//     begins, and tasks are usually named just after they start
//     (s.Go(fn).SetName(name)), so a task's trace task begins at its
//     start if it has a name by then, and otherwise at its first
//     blocking call in the trace (or its end, if it makes none); a task
//     renamed after its trace task began logs its new name (category
//     coop.name) in it. The task's context carries its trace task, so
//     the user's own regions in it belong to it. None of this runs while
//     no trace is being taken: the door then pays one atomic load for it (and
//     in a named task, a comparison of its name with its labels').

// labelKey is the pprof label that names a task.
const labelKey = "coop.task"

// goTools is what a task shows Go's tools: the context its labels come
// from, and while it is traced, its trace task and the context that
// carries it. It never changes: a task moves to another as its name
// changes or a trace begins, and tasks of one name that are not traced
// share one.
type goTools struct {
	labels context.Context // carries the pprof labels {coop.task: name}
	trace  context.Context // carries the trace task; nil while not traced
	task   *trace.Task
	named  bool   // the labels are for name, set with SetName; else for the task's function
	name   string // if named
	own    bool   // the labels add to those of the task's parent context
}

// startTools labels the calling goroutine, the task's own, as the task
// starts, and makes the task's trace task if a trace is being taken.
func (t *Task) startTools() {
	own := false
	if t.ctxv.made.Load() { // else it has no parent context
		pprof.ForLabels(t.ctxv.Context, func(string, string) bool {
			own = true // its parent context has labels: its own are theirs and its name
			return false
		})
	}
	n := t.name.Load()
	gt := t.labelsFor(n, own)
	if n != nil && trace.IsEnabled() {
		gt = t.traced(gt) // named already; else at its first call (startRegion)
	}
	t.tools.Store(gt)
	pprof.SetGoroutineLabels(gt.labels)
}

// endTools ends the task's trace task, if it has one, or while a trace
// is being taken, one that begins now: a task that made no blocking call
// in the trace is in it too.
func (t *Task) endTools() {
	gt := t.tools.Load()
	if gt == nil {
		return
	}
	if gt.task == nil && trace.IsEnabled() {
		gt = t.traced(gt)
		t.tools.Store(gt)
	}
	if gt.task != nil {
		gt.task.End()
	}
}

// toolsBegin is the door's part in Go's tools, at the start of a call of
// g that is not nested in another: a task renamed since it was labelled
// is labelled again, and while a trace is being taken the call starts a
// region, which End ends.
func toolsBegin(g *gstate, op *Op) {
	if t := g.task; t != nil {
		if n := t.name.Load(); n != nil {
			if gt := t.tools.Load(); gt == nil || !gt.named || gt.name != *n {
				t.relabel(n, gt)
			}
		}
	}
	if trace.IsEnabled() {
		regions.Store(op, startRegion(g, op))
		op.traced = true
	}
}

// regions holds the open regions of calls, while a trace is taken: a
// call's Op has no room of its own for one, which would make every task
// bigger for what a trace alone uses.
var regions sync.Map // *Op -> *trace.Region

// toolsEnd ends the call's region, if it has one.
func (op *Op) toolsEnd() {
	if op.traced {
		if r, ok := regions.LoadAndDelete(op); ok {
			r.(*trace.Region).End()
		}
	}
}

// relabel labels the calling goroutine, the task's, with n, the task's
// name as it is now; old is what it showed Go's tools until now.
func (t *Task) relabel(n *string, old *goTools) {
	gt := t.labelsFor(n, old != nil && old.own)
	if old != nil && old.trace != nil {
		gt = gt.withTrace(old.trace, old.task)
		trace.Log(old.trace, "coop.name", *n) // a trace task keeps the name it began with
	}
	t.tools.Store(gt)
	pprof.SetGoroutineLabels(gt.labels)
}

// withTrace returns a copy of gt with the trace task task, carried by
// ctx.
func (gt *goTools) withTrace(ctx context.Context, task *trace.Task) *goTools {
	c := *gt
	c.trace, c.task = ctx, task
	return &c
}

// labelsFor returns the untraced tools of the task under the given name
// (nil: its function's): shared by every task of that name, unless the
// task's parent context has labels of its own (own), which it adds to.
func (t *Task) labelsFor(name *string, own bool) *goTools {
	switch {
	case own:
		gt := &goTools{labels: pprof.WithLabels(t.ctxv.Context, pprof.Labels(labelKey, t.nameFrom(name))), own: true}
		if name != nil {
			gt.named, gt.name = true, *name
		}
		return gt
	case name != nil:
		return namedTools(*name)
	}
	if f := funcInfo(t.fnEntry()); f.name != "" {
		return &f.tools
	}
	return &goTools{labels: pprof.WithLabels(context.Background(), pprof.Labels(labelKey, t.nameFrom(nil)))}
}

// nameFrom is the task's name given its SetName pointer.
func (t *Task) nameFrom(name *string) string {
	if name != nil {
		return *name
	}
	return t.displayName()
}

// traced returns gt with a trace task for t, begun now: a child of the
// parent task's if that is traced, else of the trace task its context
// carries, if any.
func (t *Task) traced(gt *goTools) *goTools {
	base := context.Background()
	if t.ctxv.made.Load() {
		base = t.ctxv.Context
	}
	if p := t.parent; p != nil {
		if pt := p.tools.Load(); pt != nil && pt.trace != nil {
			base = pt.trace
		}
	}
	tctx, task := trace.NewTask(base, t.displayName())
	trace.Log(tctx, "coop.id", strconv.FormatUint(t.id, 10))
	return gt.withTrace(tctx, task)
}

// startRegion starts the region of op, a call of g, in g's task's trace
// task; a task that has none yet (it started before the trace, or before
// it had a name) gets it now.
func startRegion(g *gstate, op *Op) *trace.Region {
	var ctx context.Context = context.Background()
	if t := g.task; t != nil {
		if gt := t.tools.Load(); gt != nil {
			if gt.trace == nil {
				gt = t.traced(gt)
				t.tools.Store(gt)
			}
			ctx = gt.trace
		}
	}
	kind := op.kind.String()
	if op.target != "" {
		kind += " " + op.target
	}
	return trace.StartRegion(ctx, kind)
}

// toolValue is what the task's context answers to runtime/pprof's and
// runtime/trace's own keys: the labels and the trace task of goTools.
// Any other key, and these while the task has none of its own, nil.
func (t *Task) toolValue(key any) any {
	if key == nil || (key != pprofKey && key != traceKey) {
		return nil
	}
	gt := t.tools.Load()
	switch {
	case gt == nil:
		return nil
	case key == pprofKey:
		return gt.labels.Value(key)
	case gt.trace != nil:
		return gt.trace.Value(key)
	}
	return nil
}

// pprofKey and traceKey are the context keys under which runtime/pprof
// keeps a context's labels and runtime/trace its task. Both packages keep
// them unexported; keyOf learns each by asking the package to read a
// context that notes the key it is asked for. If a release of Go ever
// reads its context differently, the key stays nil: the goroutine's
// labels and the regions work as before, and only the task's context
// stops answering with them (TestTaskLabels says so: pprof.Do in a task
// then loses coop.task).
var (
	pprofKey = keyOf(func(ctx context.Context) { pprof.Label(ctx, labelKey) })
	traceKey = keyOf(func(ctx context.Context) { trace.Log(ctx, "", "") })
)

// keyOf returns the first key read asks its context for, if it is a key
// a context may have (comparable), else nil.
func keyOf(read func(ctx context.Context)) any {
	p := &keyProbe{Context: context.Background()}
	read(p)
	if p.key == nil || !reflect.TypeOf(p.key).Comparable() {
		return nil
	}
	return p.key
}

// keyProbe is a context that notes the first key it is asked for.
type keyProbe struct {
	context.Context
	key any
}

func (p *keyProbe) Value(key any) any {
	if p.key == nil {
		p.key = key
	}
	return nil
}

// The caches of goTools: by task name, and by function for tasks without
// one. Both are direct-mapped arrays of immutable entries: a lookup is a
// hash and an atomic load, a miss (or a name whose slot another took)
// makes a new entry and stores it over the old, so that a program that
// names every task differently (by URL, say) keeps a bounded number.

var (
	names     [1024]atomic.Pointer[namedEntry]
	funcs     [512]atomic.Pointer[funcEntry]
	namesSeed = maphash.MakeSeed()
)

type namedEntry struct {
	name  string
	tools goTools
}

type funcEntry struct {
	pc    uintptr
	name  string // the function's name; "" if the runtime does not know it
	tools goTools
}

// namedTools returns the untraced tools of tasks named name.
func namedTools(name string) *goTools {
	slot := &names[maphash.String(namesSeed, name)&uint64(len(names)-1)]
	if e := slot.Load(); e != nil && e.name == name {
		return &e.tools
	}
	e := &namedEntry{name: name, tools: goTools{labels: pprof.WithLabels(context.Background(), pprof.Labels(labelKey, name)), named: true, name: name}}
	slot.Store(e)
	return &e.tools
}

// funcInfo returns the name and the untraced tools of tasks of the
// function at pc that have no name of their own.
func funcInfo(pc uintptr) *funcEntry {
	slot := &funcs[pcSlot(pc, len(funcs))]
	if e := slot.Load(); e != nil && e.pc == pc {
		return e
	}
	e := &funcEntry{pc: pc}
	if f := runtime.FuncForPC(pc); f != nil {
		e.name = f.Name()
		e.tools.labels = pprof.WithLabels(context.Background(), pprof.Labels(labelKey, e.name))
	}
	slot.Store(e)
	return e
}

// fnEntry is the entry of the task's function.
func (t *Task) fnEntry() uintptr { return reflect.ValueOf(t.fn).Pointer() }

// funcName returns the name of the function at pc, "" if the runtime does
// not know it.
func funcName(pc uintptr) string { return funcInfo(pc).name }

// pcSlot spreads program counters over n slots, n a power of two.
func pcSlot(pc uintptr, n int) int {
	return int((uint64(pc)*0x9E3779B97F4A7C15)>>32) & (n - 1)
}
