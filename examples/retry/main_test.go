package main

import (
	"flag"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out, 20*time.Millisecond, 80*time.Millisecond); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Logf("\n%s", got)
	for _, re := range []string{
		`attempt 1: GET 127\.0\.0\.1:\d+ -> 503`,
		`attempt 2: GET 127\.0\.0\.1:\d+ -> 503`,
		`attempt 3: GET 127\.0\.0\.1:\d+ -> 200`,
		`waited \d+ms after attempt 1 \(503\), asked for 20ms, then retried`,
		`waited \d+ms after attempt 2 \(503\), asked for 40ms, then retried`,
		`got 200 OK "finally\\n" after 3 attempts`,
		// Retry-After: 3600 capped at RetryWaitMax, and cut short by the kill.
		`after attempt 1 \(503\), asked for 80ms, cut short: iox: task killed: shutting down`,
		`ended .* after the kill: .*iox: task killed: shutting down`,
		`attempts made: 1\n`,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("output lacks %s", re)
		}
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
		{args: []string{"-h"}, code: 0, stdout: "usage: retry [-wait-min d] [-wait-max d]"},
		{args: []string{"-help"}, code: 0, stdout: "-wait-max duration"},
		{args: []string{"-wait-min", "0s"}, code: 2, stderr: "retry: -wait-min must be positive, not 0s"},
		{args: []string{"-wait-min", "1s", "-wait-max", "500ms"}, code: 2, stderr: "retry: -wait-max (500ms) must be at least -wait-min (1s)"},
		{args: []string{"-retries", "3"}, code: 2, stderr: "flag provided but not defined: -retries"},
		{args: []string{"http://127.0.0.1/"}, code: 2, stderr: `retry: unexpected argument "http://127.0.0.1/"`},
	}
	var waitMin, waitMax time.Duration
	flags(&waitMin, &waitMax, io.Discard).VisitAll(func(f *flag.Flag) {
		tests = append(tests, tc{args: []string{"-" + f.Name, "soon"}, code: 2, stderr: `invalid value "soon" for flag -` + f.Name + ":"})
	})
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		code := cli(tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("retry %s: exit %d, want %d, with %q on stdout and %q on stderr; got\nstdout:\n%s\nstderr:\n%s",
				strings.Join(tt.args, " "), code, tt.code, tt.stdout, tt.stderr, stdout.String(), stderr.String())
		}
		if strings.Contains(stdout.String(), "GET /flaky") {
			t.Errorf("retry %s ran", strings.Join(tt.args, " "))
		}
	}
}
