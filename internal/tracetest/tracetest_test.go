package tracetest

import (
	"context"
	"runtime/trace"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Record and Parse find the user tasks, their parents, their logs and
// their regions, ended or not, as runtime/trace made them.
func TestRecordAndParse(t *testing.T) {
	b, err := Record(func() {
		ctx, parent := trace.NewTask(context.Background(), "parent")
		cctx, child := trace.NewTask(ctx, "child")
		trace.Log(cctx, "cat", "hello")
		r := trace.StartRegion(cctx, "work")
		r.End()
		child.End()
		parent.End()
		_, open := trace.NewTask(context.Background(), "open")
		_ = open // never ended
	})
	if err != nil {
		t.Skip(err) // the process traces already (go test -trace)
	}
	tr, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	parents, children, opens := tr.Named("parent"), tr.Named("child"), tr.Named("open")
	if len(parents) != 1 || len(children) != 1 || len(opens) != 1 {
		t.Fatalf("tasks parent %d, child %d, open %d; want one each:\n%s", len(parents), len(children), len(opens), tr)
	}
	c := children[0]
	if c.Parent != parents[0].ID || !c.Ended || opens[0].Ended {
		t.Errorf("child's parent %v (want %v), ended %v; open ended %v", c.Parent, parents[0].ID, c.Ended, opens[0].Ended)
	}
	if len(c.Logs) != 1 || c.Logs[0] != (Log{"cat", "hello"}) {
		t.Errorf("child's logs = %v, want one cat/hello", c.Logs)
	}
	rs := tr.RegionsOf(c.ID)
	if len(rs) != 1 || rs[0].Type != "work" || !rs[0].Ended {
		t.Errorf("child's regions = %+v, want one ended 'work'", rs)
	}
	if !strings.Contains(tr.String(), "child") {
		t.Errorf("String() does not name the tasks:\n%s", tr)
	}
}

// Parse rejects what is not a trace.
func TestParseRejectsGarbage(t *testing.T) {
	if _, err := Parse([]byte("not a trace")); err == nil || !strings.HasPrefix(err.Error(), "tracetest: ") {
		t.Errorf("Parse(garbage) = %v, want a tracetest: error", err)
	}
}
