package patch

import (
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
func (b *Build) Exec(ctx context.Context) (int, error) {
	base := []string{"-overlay=" + b.Overlay, "-modfile=" + b.Modfile}
	pkgs := append(slices.Clone(b.ga.pkgs), b.files...)
	switch b.cfg.Command {
	case "build":
		return b.goCommand(ctx, append(append(append([]string{"build"}, base...), b.ga.flags...), pkgs...))
	case "test":
		args := append(append(append([]string{"test"}, base...), b.ga.flags...), pkgs...)
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
	args := append(append(append([]string{"build"}, base...), flags...), "-o", prog)
	if code, err := b.goCommand(ctx, append(args, pkgs...)); code != 0 || err != nil {
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

// goCommand runs the go command with the standard streams of Config.
func (b *Build) goCommand(ctx context.Context, args []string) (int, error) {
	return b.wait(b.g.command(ctx, args...))
}

// wait runs cmd with the standard streams of Config and returns its exit
// code.
func (b *Build) wait(cmd *exec.Cmd) (int, error) {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = b.cfg.Stdin, b.cfg.Stdout, b.cfg.Stderr
	err := cmd.Run()
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
