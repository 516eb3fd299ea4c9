package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/coop-go/coop/internal/patch"
)

// patchFlags are coop's own flags of build, run and test. They come
// first, before the go flags: -skip is also a flag of go test's.
type patchFlags struct {
	report     bool
	trace      bool
	only, skip patch.Patterns
	swap       string
	coop       string
}

func (pf *patchFlags) flagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("coop "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.BoolVar(&pf.report, "report", false, "print every package's verdict: swapped, left (and why), skipped, unchanged")
	fs.BoolVar(&pf.trace, "x", false, "print the go commands coop runs")
	fs.Var(&pf.only, "only", "swap only the packages that match these import path `patterns` (comma-separated, as go list takes them)")
	fs.Var(&pf.skip, "skip", "do not swap the packages that match these import path `patterns`")
	fs.StringVar(&pf.swap, "swap", "", "the standard `packages` to swap, comma-separated (default every one coop has a drop-in for: "+strings.Join(allSwaps(), ",")+")")
	fs.StringVar(&pf.coop, "coop", "", "the coop module to use: a `directory` (a checkout) or a version; by default the one the module requires, else the one this coop was built from (env COOP_MODULE)")
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: coop %s [coop flags] [go %s flags] %s\n\ncoop flags (before any go flag):\n", name, name, map[string]string{
			"build": "[packages]", "run": "package [arguments...]", "test": "[packages] [test binary flags]",
		}[name])
		fs.PrintDefaults()
	}
	return fs
}

func allSwaps() []string {
	var out []string
	for _, sw := range patch.Table {
		out = append(out, sw.Std)
	}
	return out
}

// splitCoopFlags returns the leading arguments that are coop's flags, and
// the rest, which are the go command's.
func splitCoopFlags(fs *flag.FlagSet, args []string) (coop, rest []string) {
	i := 0
	for i < len(args) {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		if f == nil && name != "h" && name != "help" {
			break
		}
		i++
		if f != nil && !hasValue && !isBool(f) && i < len(args) {
			i++
		}
	}
	return args[:i], args[i:]
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// patchCommand returns the command that runs go name on the patched build.
func patchCommand(name string) func([]string, io.Reader, io.Writer, io.Writer) int {
	return func(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
		var pf patchFlags
		fs := pf.flagSet(name, stderr)
		coopArgs, goArgs := splitCoopFlags(fs, args)
		if err := fs.Parse(coopArgs); err != nil {
			if err == flag.ErrHelp {
				return 0
			}
			return 2
		}
		if pf.coop == "" {
			pf.coop = os.Getenv("COOP_MODULE")
		}
		src, err := patch.ParseSource(pf.coop)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		cfg := patch.Config{
			Command: name, Args: goArgs,
			Stdin: stdin, Stdout: stdout, Stderr: stderr,
			Source: src, Only: pf.only, Skip: pf.skip, Report: pf.report, Trace: pf.trace,
		}
		if pf.swap != "" {
			cfg.Swap = strings.Split(pf.swap, ",")
		}
		if name == "run" {
			// The terminal's interrupt reaches the program, which is in
			// coop's process group; coop outlives it to give its exit
			// code, as go run does.
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, os.Interrupt, syscall.SIGQUIT)
			defer signal.Stop(sigs)
		}
		code, err := patch.Run(context.Background(), cfg)
		if err != nil {
			fmt.Fprintln(stderr, err)
		}
		return code
	}
}
