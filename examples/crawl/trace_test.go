package main

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/internal/tracetest"
)

// An execution trace of a crawl, as go tool trace reads it, shows each
// fetch as a trace task named after its URL, with its round trip a region
// of it, ended: the slow page's by the kill at the timeout.
func TestTrace(t *testing.T) {
	undo := httpx.PatchDefault()
	defer undo()
	srv, err := startServer(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var out strings.Builder
	const timeout = 300 * time.Millisecond
	b, err := tracetest.Record(func() {
		if err := crawl(&out, srv.urls, timeout); err != nil {
			t.Error(err)
		}
	})
	if err != nil {
		t.Skip(err) // go test -trace is tracing already
	}
	tr, err := tracetest.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range srv.urls {
		// A task is named just after it starts: its trace task has its
		// name, or logs it if the task made its first call before.
		var tasks []*tracetest.Task
		for _, tk := range tr.Tasks {
			if tk.Type == u || slices.Contains(tk.Logs, tracetest.Log{Category: "coop.name", Message: u}) {
				tasks = append(tasks, tk)
			}
		}
		if len(tasks) != 1 {
			t.Errorf("%d trace tasks for %s, want 1; the trace has\n%v", len(tasks), u, tr)
			continue
		}
		tk := tasks[0]
		pu, _ := url.Parse(u)
		want := "roundtrip GET " + pu.Host
		var rt []tracetest.Region
		for _, r := range tr.RegionsOf(tk.ID) {
			if r.Type == want {
				rt = append(rt, r)
			}
		}
		if len(rt) != 1 || !rt[0].Ended || !tk.Ended {
			t.Errorf("%s: trace task %+v with the round trips %+v, want one region %q, ended", u, tk, rt, want)
			continue
		}
		// It began after the timeout did (crawl starts the wait, then
		// the task runs), and lasted until the kill.
		if strings.HasSuffix(u, "/slow") && rt[0].Duration < timeout/2 {
			t.Errorf("%s: the round trip took %v in the trace; want it to last until the kill, near %v", u, rt[0].Duration, timeout)
		}
	}
}
