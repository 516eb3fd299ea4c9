package main

import (
	"bytes"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// -live serves the page during the run and prints its URL; an address
// that is not one is refused before anything runs.
func TestLive(t *testing.T) {
	var out strings.Builder
	cfg := config{clients: 4, lines: 5, rate: 100, size: 64, writeTimeout: 5 * time.Second, status: time.Second, live: "127.0.0.1:0"}
	if err := run(&out, cfg); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.HasPrefix(out.String(), "live: http://127.0.0.1:") || !strings.Contains(out.String(), "/debug/coop/\n") {
		t.Errorf("push -live printed:\n%s\nwant the page's URL first", out.String())
	}
	var stdout, stderr strings.Builder
	if code := cli([]string{"-live", "6060"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `push: -live "6060": want host:port`) {
		t.Errorf("push -live 6060: exit %d, stderr %q; want 2 and the flag named", code, stderr.String())
	}
}

// A CPU profile taken while push is busy has samples labelled with the
// names of the tasks that spent the time (pprof label coop.task): go tool
// pprof -tagfocus 'coop.task=conn .*' shows what the connections' tasks cost.
func TestCPUProfileLabels(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes for a second under the profiler")
	}
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		t.Skip(err) // go test -cpuprofile is profiling already
	}
	var out strings.Builder
	cfg := config{clients: 40, lines: 400, rate: 1000, size: 4096, writeTimeout: 5 * time.Second, status: time.Second}
	err := run(&out, cfg)
	pprof.StopCPUProfile()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// The server's tasks are named "serve ADDR" and "conn ADDR" (netx.Server),
	// the others by push.
	kind := func(name string) string {
		first, _, _ := strings.Cut(name, " ")
		switch first {
		case "serve", "conn":
			return first
		}
		return name
	}
	by := map[string]int64{}
	var total int64
	for _, s := range p.Sample {
		total += s.Value[0]
		for _, name := range s.Label["coop.task"] {
			by[kind(name)] += s.Value[0]
		}
	}
	t.Logf("%d samples; by coop.task: %v", total, by)
	for _, name := range []string{"conn", "client"} {
		if by[name] == 0 {
			t.Errorf("no sample labelled coop.task=%s among %d: %v", name, total, by)
		}
	}
	for name := range by {
		switch name {
		case "conn", "client", "broadcaster", "serve", "slow client":
		default:
			t.Errorf("samples labelled coop.task=%s, a name no task of push has", name)
		}
	}
}
