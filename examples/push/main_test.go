package main

import (
	"flag"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun pushes a fixed number of lines, so that what it checks depends
// on counts, not on how fast a loaded machine is: the two clients that
// never read are dropped once their queue is full (a queue of 64 lines
// behind socket buffers of about 30), and each of the others gets every
// line (the write timeout is long enough that only a client that stops
// reading for seconds is dropped).
func TestRun(t *testing.T) {
	var out strings.Builder
	cfg := config{clients: 40, slow: 2, lines: 150, rate: 100, size: 4096, writeTimeout: 5 * time.Second, status: 300 * time.Millisecond}
	if err := run(&out, cfg); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Logf("\n%s", got)
	if !strings.Contains(got, "dropped 2 slow clients") {
		t.Errorf("the two clients that never read were not dropped, or others were:\n%s", got)
	}
	m := regexp.MustCompile(`sent (\d+) lines to each client; delivered (\d+) lines .*: (\d+) lines/s; latency p50 ([^,]+), p99 ([^,]+),`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no summary line:\n%s", got)
	}
	sent, _ := strconv.Atoi(m[1])
	delivered, _ := strconv.Atoi(m[2])
	if sent != 150 || delivered != 40*150 {
		t.Errorf("sent %d lines and delivered %d, want 150 to each of 40 clients, %d", sent, delivered, 40*150)
	}
	for _, q := range m[4:] {
		if d, err := time.ParseDuration(q); err != nil || d <= 0 || d > 10*time.Second {
			t.Errorf("latency %q is not a sane duration", q)
		}
	}
	// 150 lines at 100 a second take 1.5 s at the least.
	if n := strings.Count(got, "| delivered/s "); n < 2 {
		t.Errorf("%d status lines, want one every 300ms", n)
	}
	if !regexp.MustCompile(`tasks \d+ \(blocked: .*\d+ read`).MatchString(got) {
		t.Errorf("status lines lack the task states:\n%s", got)
	}
}

// TestCLI runs the command through its arguments: -h, and every flag
// with a value that does not parse or makes no sense. None of them runs.
func TestCLI(t *testing.T) {
	type tc struct {
		args   []string
		code   int
		stdout string // substrings, if not ""
		stderr string
	}
	tests := []tc{
		{args: []string{"-h"}, code: 0, stdout: "usage: push [flags]"},
		{args: []string{"-help"}, code: 0, stdout: "-write-timeout duration"},
		{args: []string{"-rate", "0"}, code: 2, stderr: "push: -rate must be between 1 and 1000000 lines per second, not 0"},
		{args: []string{"-rate", "2000000"}, code: 2, stderr: "-rate must be between"},
		{args: []string{"-status", "0"}, code: 2, stderr: "push: -status must be positive, not 0s"},
		{args: []string{"-status", "-1s"}, code: 2, stderr: "-status must be positive"},
		{args: []string{"-clients", "-1"}, code: 2, stderr: "push: -clients must not be negative"},
		{args: []string{"-slow", "-1"}, code: 2, stderr: "push: -slow must not be negative"},
		{args: []string{"-clients", "0", "-slow", "0"}, code: 2, stderr: "-clients and -slow are both 0"},
		{args: []string{"-duration", "0s"}, code: 2, stderr: "push: -duration must be positive"},
		{args: []string{"-size", "8"}, code: 2, stderr: "push: -size must be at least 32 bytes, not 8"},
		{args: []string{"-write-timeout", "0s"}, code: 2, stderr: "push: -write-timeout must be positive"},
		{args: []string{"-volume", "11"}, code: 2, stderr: "flag provided but not defined: -volume"},
		{args: []string{"fast"}, code: 2, stderr: `push: unexpected argument "fast"`},
	}
	// Every flag, given a value that does not parse.
	var cfg config
	flags(&cfg, io.Discard).VisitAll(func(f *flag.Flag) {
		if f.Name == "live" {
			return // any string parses (live_test.go)
		}
		tests = append(tests, tc{args: []string{"-" + f.Name, "many"}, code: 2, stderr: `invalid value "many" for flag -` + f.Name + ":"})
	})
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		code := cli(tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("push %s: exit %d, want %d, with %q on stdout and %q on stderr; got\nstdout:\n%s\nstderr:\n%s",
				strings.Join(tt.args, " "), code, tt.code, tt.stdout, tt.stderr, stdout.String(), stderr.String())
		}
		if strings.Contains(stdout.String(), "clients connected") {
			t.Errorf("push %s ran", strings.Join(tt.args, " "))
		}
	}
}

func TestLatencies(t *testing.T) {
	l := newLatencies()
	for i := 1; i <= 100; i++ {
		l.add(time.Duration(i) * time.Millisecond)
	}
	p50, p99 := l.quantile(0.5), l.quantile(0.99)
	if p50 < 45*time.Millisecond || p50 > 56*time.Millisecond || p99 < 95*time.Millisecond || p99 > 110*time.Millisecond {
		t.Fatalf("p50 = %v, p99 = %v for 1..100ms", p50, p99)
	}
}
