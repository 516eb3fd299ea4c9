package patch

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Exec hands the build to the go command: go build or go test with the
// overlay and the go.mod, its output and exit code the command's. For
// run, it builds the program into a temporary directory, then runs it (as
// go run does, through the -exec program if one was given) with the
// arguments and the standard streams of Config, and returns its exit
// code.
//
// When the verdicts are a guess (see Prepare), go build runs with its
// standard error held back: if it fails in a package coop swapped, or
// with a message that names a drop-in or a file coop added, the compile
// check runs and the build again; otherwise its output is passed on.
func (b *Build) Exec(ctx context.Context) (int, error) {
	switch b.cfg.Command {
	case "build":
		return b.compile(ctx, func() []string {
			return append(append(append([]string{"build"}, b.base()...), b.ga.flags...), b.pkgs()...)
		})
	case "test":
		args := append(append(append([]string{"test"}, b.base()...), b.ga.flags...), b.pkgs()...)
		return b.goCommand(ctx, append(args, b.ga.rest...))
	}
	tmp, err := os.MkdirTemp("", "coop-run-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(tmp)
	var flags []string
	var execProg string
	for _, f := range b.ga.flags {
		if v, ok := strings.CutPrefix(f, "-exec="); ok {
			execProg = v
			continue
		}
		flags = append(flags, f)
	}
	prog := filepath.Join(tmp, programName(b.ga.pkgs))
	code, err := b.compile(ctx, func() []string {
		return append(append(append(append([]string{"build"}, b.base()...), flags...), "-o", prog), b.pkgs()...)
	})
	if code != 0 || err != nil {
		return code, err
	}
	argv := append([]string{prog}, b.ga.rest...)
	if execProg != "" {
		argv = append(strings.Fields(execProg), argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = b.g.dir, b.g.env
	return b.wait(cmd)
}

// base returns the flags every go command of the build gets.
func (b *Build) base() []string {
	return []string{"-overlay=" + b.Overlay, "-modfile=" + b.Modfile}
}

// pkgs returns the packages to build.
func (b *Build) pkgs() []string {
	return append(slices.Clone(b.ga.pkgs), b.files...)
}

// compile runs go build with the arguments args returns, as Exec says.
func (b *Build) compile(ctx context.Context, args func() []string) (int, error) {
	s := b.s
	if !s.optimistic {
		return b.goCommand(ctx, args())
	}
	s.optimistic = false
	var stderr bytes.Buffer
	cmd := b.g.command(ctx, args()...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = b.cfg.Stdin, b.cfg.Stdout, &stderr
	code, err := exitCode(cmd.Run())
	if code == 0 && err == nil {
		b.cfg.Stderr.Write(stderr.Bytes())
		return 0, s.keep()
	}
	if err != nil || !s.mayBeCoops(stderr.String()) {
		b.cfg.Stderr.Write(stderr.Bytes())
		return code, err
	}
	was := b.Report
	if err := s.check(ctx); err != nil {
		return 2, err
	}
	*b = *s.build()
	for _, v := range b.Report {
		if old, ok := was.Find(v.Path); v.Verdict == "left" && ok && old.Verdict != "left" && !strings.HasPrefix(v.Reason, coopDepReason) {
			Report{v}.WriteLeft(b.cfg.Stderr)
		}
	}
	return b.goCommand(ctx, args())
}

// goCommand runs the go command with the standard streams of Config.
func (b *Build) goCommand(ctx context.Context, args []string) (int, error) {
	return b.wait(b.g.command(ctx, args...))
}

// wait runs cmd with the standard streams of Config and returns its exit
// code.
func (b *Build) wait(cmd *exec.Cmd) (int, error) {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = b.cfg.Stdin, b.cfg.Stdout, b.cfg.Stderr
	return exitCode(cmd.Run())
}

// exitCode returns the exit code of a command that ended with err, and
// err if it did not run at all.
func exitCode(err error) (int, error) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if code := ee.ExitCode(); code > 0 {
			return code, nil
		}
		return 1, nil // ended by a signal
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}

// mayBeCoops reports whether go build's standard error shows a failure
// coop may have caused: an error in a package coop swapped or added a
// file to, one that names a drop-in, or an import cycle.
func (s *state) mayBeCoops(stderr string) bool {
	if strings.Contains(stderr, "import cycle not allowed") || isInjected(stderr) {
		return true
	}
	for _, block := range strings.Split("\n"+stderr, "\n# ")[1:] {
		path, msg, _ := strings.Cut(block, "\n")
		u := s.gr.units[basePath(strings.TrimSpace(path))]
		if u != nil && u.verdict == vSwapped || s.namesDropIn(msg) {
			return true
		}
	}
	return false
}

// programName returns the name go run gives the program of pkgs.
func programName(pkgs []string) string {
	if len(pkgs) == 0 {
		return "main"
	}
	p := pkgs[0]
	if strings.HasSuffix(p, ".go") {
		return strings.TrimSuffix(filepath.Base(p), ".go")
	}
	p = strings.TrimRight(filepath.ToSlash(p), "/")
	if i := strings.LastIndex(p, "/"); i >= 0 {
		p = p[i+1:]
	}
	if p == "." || p == "" {
		return "main"
	}
	return p
}
