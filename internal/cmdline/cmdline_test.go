package cmdline

import (
	"flag"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args           []string
		code           int
		exit           bool
		stdout, stderr string
	}{
		{args: nil, code: 0, exit: false},
		{args: []string{"-n", "3"}, code: 0, exit: false},
		{args: []string{"-h"}, code: 0, exit: true, stdout: "usage: x [-n count]\n\nDoes x.\n  -n int"},
		{args: []string{"-n", "many"}, code: 2, exit: true, stderr: "usage: x [-n count] (x -h for more)\n"},
		{args: []string{"-nope"}, code: 2, exit: true, stderr: "flag provided but not defined: -nope"},
	} {
		var out, errs strings.Builder
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(&errs)
		fs.Usage = func() {}
		fs.Int("n", 1, "how many")
		code, exit := Parse(fs, tc.args, "usage: x [-n count]", "Does x.\n", &out, &errs)
		if code != tc.code || exit != tc.exit {
			t.Errorf("%q: Parse = %d, %v; want %d, %v", tc.args, code, exit, tc.code, tc.exit)
		}
		if !strings.Contains(out.String(), tc.stdout) || tc.stdout == "" && out.Len() > 0 {
			t.Errorf("%q: stdout %q, want %q", tc.args, out.String(), tc.stdout)
		}
		if !strings.Contains(errs.String(), tc.stderr) || tc.stderr == "" && errs.Len() > 0 {
			t.Errorf("%q: stderr %q, want %q", tc.args, errs.String(), tc.stderr)
		}
		if fs.Output() != io.Writer(&errs) {
			t.Errorf("%q: Parse left the flag set writing elsewhere than stderr", tc.args)
		}
	}
}
