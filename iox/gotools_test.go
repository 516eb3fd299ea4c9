package iox_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/coop-go/coop/internal/tracetest"
	"github.com/coop-go/coop/iox"
)

// goroutineLabels returns the pprof labels of the live goroutines, from
// the goroutine profile, with the functions on each one's stack.
func goroutineLabels(t *testing.T) []labelled {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var out []labelled
	for _, s := range p.Sample {
		l := labelled{labels: map[string]string{}}
		for k, v := range s.Label {
			l.labels[k] = strings.Join(v, ",")
		}
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				l.funcs = append(l.funcs, line.Function.Name)
			}
		}
		for range s.Value[0] { // one sample stands for as many goroutines
			out = append(out, l)
		}
	}
	return out
}

type labelled struct {
	labels map[string]string
	funcs  []string
}

// find returns the goroutines whose labels include coop.task=name.
func find(gs []labelled, name string) []labelled {
	var out []labelled
	for _, g := range gs {
		if g.labels["coop.task"] == name {
			out = append(out, g)
		}
	}
	return out
}

// labelInheritor is a plain goroutine a task starts.
func labelInheritor(release <-chan struct{}, started chan<- struct{}) {
	started <- struct{}{}
	<-release
}

// Each task's goroutine carries the pprof label coop.task with its name,
// from its start or, for a name set after it started, from its next
// blocking call; its context answers pprof with the same labels (so
// pprof.Do in a task adds to them and puts them back), a parent context's
// labels are kept, and the goroutines a task starts inherit its label.
func TestTaskLabels(t *testing.T) {
	s := iox.New()
	release := make(chan struct{})
	defer func() {
		close(release)
		s.Close()
	}()
	inCtx := make(chan string, 4)
	report := func(ctx context.Context) {
		v, _ := pprof.Label(ctx, "coop.task")
		inCtx <- v
	}

	// Named after it started: labelled at its next call.
	gate := make(chan struct{})
	named := s.Go(func(ctx context.Context) error {
		iox.Recv(gate)
		iox.Block("relabel", func() error { return nil })
		report(ctx)
		iox.Recv(release)
		return nil
	})
	named.SetName("named")
	close(gate)
	if got := <-inCtx; got != "named" {
		t.Errorf("in the named task, pprof.Label(ctx, coop.task) = %q, want named", got)
	}

	// Unnamed: its function's name.
	unnamed := s.Go(func(ctx context.Context) error {
		report(ctx)
		iox.Recv(release)
		return nil
	})
	if got := <-inCtx; got != unnamed.Name() {
		t.Errorf("in the unnamed task, pprof.Label(ctx, coop.task) = %q, want its function's name %q", got, unnamed.Name())
	}

	// pprof.Do adds to the task's labels, and puts them back after.
	inDo := make(chan [2]string, 1)
	doGate := make(chan struct{})
	doer := s.Go(func(ctx context.Context) error {
		iox.Recv(doGate)
		iox.Block("relabel", func() error { return nil })
		pprof.Do(ctx, pprof.Labels("phase", "inner"), func(ctx context.Context) {
			task, _ := pprof.Label(ctx, "coop.task")
			phase, _ := pprof.Label(ctx, "phase")
			inDo <- [2]string{task, phase}
		})
		iox.Recv(release)
		return nil
	})
	doer.SetName("doer")
	close(doGate)
	if got := <-inDo; got != [2]string{"doer", "inner"} {
		t.Errorf("inside pprof.Do in a task, the labels are %q, want coop.task doer and phase inner", got)
	}

	// A parent context's labels are kept.
	parent := pprof.WithLabels(context.Background(), pprof.Labels("request", "r1"))
	fromCtx := s.GoContext(parent, func(ctx context.Context) error {
		iox.Recv(release)
		return nil
	})

	// A plain goroutine a task starts inherits its label.
	started := make(chan struct{})
	spawner := s.Go(func(ctx context.Context) error {
		go labelInheritor(release, started)
		iox.Recv(release)
		return nil
	})
	<-started
	for _, tk := range []*iox.Task{named, unnamed, doer, fromCtx, spawner} {
		waitBlockedAny(t, s, tk)
	}

	gs := goroutineLabels(t)
	for _, tc := range []struct {
		name string
		want map[string]string
	}{
		{"named", map[string]string{"coop.task": "named"}},
		{unnamed.Name(), map[string]string{"coop.task": unnamed.Name()}},
		{"doer", map[string]string{"coop.task": "doer"}},
		{fromCtx.Name(), map[string]string{"coop.task": fromCtx.Name(), "request": "r1"}},
	} {
		got := find(gs, tc.name)
		if len(got) != 1 || fmt.Sprint(got[0].labels) != fmt.Sprint(tc.want) {
			t.Errorf("goroutines labelled coop.task=%s: %v, want one with the labels %v", tc.name, got, tc.want)
		}
	}
	var inheritors []labelled
	for _, g := range gs {
		if slices.ContainsFunc(g.funcs, func(f string) bool { return strings.HasSuffix(f, ".labelInheritor") }) {
			inheritors = append(inheritors, g)
		}
	}
	if len(inheritors) != 1 || inheritors[0].labels["coop.task"] != spawner.Name() {
		t.Errorf("the goroutine the task started: %v, want it labelled coop.task=%s", inheritors, spawner.Name())
	}
}

// waitBlockedAny waits until tk is blocked in a coop call.
func waitBlockedAny(t *testing.T, s *iox.Scheduler, tk *iox.Task) {
	t.Helper()
	give := time.Now().Add(30 * time.Second)
	for {
		if st, ok := s.Snapshot().Task(tk.ID()); ok && st.State == iox.Blocked {
			return
		}
		if time.Now().After(give) {
			t.Fatalf("%v did not block:\n%v", tk, s.Snapshot())
		}
		iox.Sleep(time.Millisecond)
	}
}

// While a trace is taken, each task is a trace task, a child of its
// parent's, and each blocking call a region of its kind and target in
// it; the task's context carries its trace task; a task renamed after its
// trace task began logs its new name; a task that started before the
// trace joins it at its first call.
func TestTrace(t *testing.T) {
	s := iox.New()
	defer s.Close()
	lateGate := make(chan struct{})
	late := s.Go(func(ctx context.Context) error {
		iox.Recv(lateGate)
		return iox.Block("late", func() error { return nil })
	}).SetName("late")
	waitBlockedAny(t, s, late)

	var child, renamed *iox.Task
	b, err := tracetest.Record(func() {
		close(lateGate)
		late.Wait()

		gate := make(chan struct{})
		parent := s.Go(func(ctx context.Context) error {
			iox.Recv(gate)
			iox.Block("setup", func() error { return nil })
			childGate := make(chan struct{})
			child = iox.Spawn(func(ctx context.Context) error {
				<-childGate // not a coop call: the trace task begins at the sleep, named by then
				iox.Sleep(time.Millisecond)
				trace.WithRegion(ctx, "mine", func() {})
				return nil
			})
			child.SetName("child")
			close(childGate)
			return child.Wait()
		}).SetName("parent")
		close(gate)
		if err := parent.Wait(); err != nil {
			t.Error(err)
		}

		ready, rename := make(chan struct{}), make(chan struct{})
		renamed = s.Go(func(ctx context.Context) error {
			iox.Block("first", func() error { return nil })
			close(ready)
			iox.Recv(rename)
			return iox.Block("second", func() error { return nil })
		})
		<-ready
		renamed.SetName("renamed")
		close(rename)
		renamed.Wait()
	})
	if err != nil {
		t.Skip(err) // go test -trace is tracing already
	}
	tr, err := tracetest.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	// A task is named just after it starts (SetName): its trace task has
	// the name, or logs it if the task reached its first call before.
	one := func(name string) *tracetest.Task {
		t.Helper()
		var ts []*tracetest.Task
		for _, tk := range tr.Tasks {
			if tk.Type == name || slices.Contains(tk.Logs, tracetest.Log{Category: "coop.name", Message: name}) {
				ts = append(ts, tk)
			}
		}
		if len(ts) != 1 {
			t.Fatalf("%d trace tasks named %q, want 1; the trace has\n%v", len(ts), name, tr)
		}
		return ts[0]
	}
	types := func(tk *tracetest.Task) []string {
		var out []string
		for _, r := range tr.RegionsOf(tk.ID) {
			out = append(out, r.Type)
		}
		return out
	}
	pt, ct := one("parent"), one("child")
	if ct.Parent != pt.ID || !pt.Ended || !ct.Ended {
		t.Errorf("child %+v, parent %+v: want the child's parent the parent, both ended", ct, pt)
	}
	if got := types(pt); !slices.Contains(got, "block setup") || !slices.Contains(got, "join child") {
		t.Errorf("the parent's regions are %q, want block setup and join child among them", got)
	}
	if got := types(ct); !slices.Contains(got, "sleep") || !slices.Contains(got, "mine") {
		t.Errorf("the child's regions are %q, want sleep and the task's own region, mine", got)
	}
	for _, r := range tr.RegionsOf(ct.ID) {
		if r.Type == "sleep" && (!r.Ended || r.Duration < time.Millisecond) {
			t.Errorf("the child's sleep region %+v, want one that ended after a millisecond at least", r)
		}
	}
	if !slices.Contains(ct.Logs, tracetest.Log{Category: "coop.id", Message: strconv.FormatUint(child.ID(), 10)}) {
		t.Errorf("the child's logs %v do not give its id %d", ct.Logs, child.ID())
	}
	if got := types(one("late")); !slices.Equal(got, []string{"block late"}) {
		t.Errorf("the task started before the trace has the regions %q, want block late", got)
	}
	rt := tr.Named(renamed.Name()) // after SetName: "renamed"; the trace task began unnamed
	if len(rt) != 0 {
		t.Errorf("a trace task is named %q, but it began before the task was", renamed.Name())
	}
	var found bool
	for _, tk := range tr.Tasks {
		if slices.Contains(tk.Logs, tracetest.Log{Category: "coop.name", Message: "renamed"}) {
			found = true
			got := slices.DeleteFunc(types(tk), func(typ string) bool { return typ == "recv" }) // if it waited
			if !slices.Equal(got, []string{"block first", "block second"}) {
				t.Errorf("the renamed task's regions are %q, want block first and block second", got)
			}
		}
	}
	if !found {
		t.Errorf("no trace task logs the name renamed:\n%v", tr)
	}
}
