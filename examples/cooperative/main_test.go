package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out, 20, 300); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"total 6000 of 6000: every update landed",
		`watchdog: task "blocker" held the turn`,
		"where it was: ", "watchdog.func", " at main.go:",
		"order: other ran, blocker done",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
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
		{args: []string{"-h"}, code: 0, stdout: "usage: cooperative [-tasks n] [-rounds n]"},
		{args: []string{"-help"}, code: 0, stdout: "-rounds int"},
		{args: []string{"-tasks", "0"}, code: 2, stderr: "cooperative: -tasks must be at least 1, not 0"},
		{args: []string{"-rounds", "-5"}, code: 2, stderr: "cooperative: -rounds must be at least 1, not -5"},
		{args: []string{"-mode", "free"}, code: 2, stderr: "flag provided but not defined: -mode"},
		{args: []string{"50"}, code: 2, stderr: `cooperative: unexpected argument "50"`},
	}
	var tasks, rounds int
	flags(&tasks, &rounds, io.Discard).VisitAll(func(f *flag.Flag) {
		tests = append(tests, tc{args: []string{"-" + f.Name, "lots"}, code: 2, stderr: `invalid value "lots" for flag -` + f.Name + ":"})
	})
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		code := cli(tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("cooperative %s: exit %d, want %d, with %q on stdout and %q on stderr; got\nstdout:\n%s\nstderr:\n%s",
				strings.Join(tt.args, " "), code, tt.code, tt.stdout, tt.stderr, stdout.String(), stderr.String())
		}
		if strings.Contains(stdout.String(), "updates of a shared map") {
			t.Errorf("cooperative %s ran", strings.Join(tt.args, " "))
		}
	}
}

func TestFirstFrame(t *testing.T) {
	stack := "goroutine 7 [running]:\n" +
		"time.Sleep(0x11e1a300)\n\t/usr/lib/go/src/runtime/time.go:363 +0x165\n" +
		"main.watchdog.func2({0x2e38b6ef42c8?, 0x0?})\n\t/src/examples/cooperative/main.go:176 +0x25\n" +
		"github.com/coop-go/coop/iox.(*Scheduler).Go.func1()\n\t/src/iox/task.go:80 +0x1d\n"
	if got, want := firstFrame([]byte(stack)), "main.watchdog.func2 at main.go:176"; got != want {
		t.Errorf("firstFrame = %q, want %q", got, want)
	}
	if got := firstFrame([]byte("goroutine 1 [running]:\n")); got != "(unknown)" {
		t.Errorf("firstFrame of a stack with no frame of the program = %q, want (unknown)", got)
	}
}
