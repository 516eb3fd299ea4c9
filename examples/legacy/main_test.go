package main

import (
	"flag"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The two checkers are the same file but for the import block: the whole
// point of the example is that swapping imports is all it takes.
func TestTwinsDifferOnlyInImports(t *testing.T) {
	strip := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		s = s[strings.Index(s, "\nimport ("):] // drop the package doc
		s = regexp.MustCompile(`(?s)import \(.*?\n\)`).ReplaceAllString(s, "import (...)")
		return s
	}
	if a, b := strip("plain/checker.go"), strip("swapped/checker.go"); a != b {
		t.Fatal("plain/checker.go and swapped/checker.go differ beyond their imports")
	}
}

func TestRun(t *testing.T) {
	const stall = 800 * time.Millisecond
	var out strings.Builder
	if err := run(&out, stall, 200*time.Millisecond); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Logf("\n%s", got)
	plain := regexp.MustCompile(`plain .* ran (\S+), past the scope, and saw "tcp: PONG, http: 200 OK ok"`).FindStringSubmatch(got)
	if plain == nil {
		t.Fatalf("the plain checker did not run to the end past the scope:\n%s", got)
	}
	if d, _ := time.ParseDuration(plain[1]); d < 2*stall {
		t.Errorf("the plain checker took %v, less than the server's two stalls", d)
	}
	swapped := regexp.MustCompile(`swapped .* under a 200ms scope: timed out after (\S+)\n`).FindStringSubmatch(got)
	if swapped == nil {
		t.Fatalf("the swapped checker did not time out:\n%s", got)
	}
	if d, _ := time.ParseDuration(swapped[1]); d >= stall {
		t.Errorf("the swapped checker timed out after %v, not at the scope", d)
	}
	if !strings.Contains(got, "killed mid-check") || !strings.Contains(got, "iox: task killed: shutting down") {
		t.Errorf("no kill line:\n%s", got)
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
		{args: []string{"-h"}, code: 0, stdout: "usage: legacy [-stall d] [-scope d]"},
		{args: []string{"-help"}, code: 0, stdout: "-scope duration"},
		{args: []string{"-stall", "0s"}, code: 2, stderr: "legacy: -stall must be positive, not 0s"},
		{args: []string{"-scope", "-1s"}, code: 2, stderr: "legacy: -scope must be positive, not -1s"},
		{args: []string{"-retries", "3"}, code: 2, stderr: "flag provided but not defined: -retries"},
		{args: []string{"127.0.0.1:80"}, code: 2, stderr: `legacy: unexpected argument "127.0.0.1:80"`},
	}
	var stall, scope time.Duration
	flags(&stall, &scope, io.Discard).VisitAll(func(f *flag.Flag) {
		tests = append(tests, tc{args: []string{"-" + f.Name, "long"}, code: 2, stderr: `invalid value "long" for flag -` + f.Name + ":"})
	})
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		code := cli(tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("legacy %s: exit %d, want %d, with %q on stdout and %q on stderr; got\nstdout:\n%s\nstderr:\n%s",
				strings.Join(tt.args, " "), code, tt.code, tt.stdout, tt.stderr, stdout.String(), stderr.String())
		}
		if strings.Contains(stdout.String(), "the server answers") {
			t.Errorf("legacy %s ran", strings.Join(tt.args, " "))
		}
	}
}
