// Package cmdline parses the command line of coop's examples, all the
// same way: -h prints the synopsis, what the program does and its flags
// to stdout and exits 0; a bad flag is named by package flag on stderr,
// followed by the synopsis, and exits 2.
package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// Parse parses args with fs, whose output must be stderr and whose Usage
// does nothing (Parse prints it). It reports whether the program must
// exit now, and with what status: 0 after -h, 2 after a bad flag.
func Parse(fs *flag.FlagSet, args []string, synopsis, about string, stdout, stderr io.Writer) (code int, exit bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		Usage(fs, synopsis, about, stdout)
		return 0, true
	default:
		// The flag package has said what was wrong.
		fmt.Fprintf(stderr, "%s (%s -h for more)\n", synopsis, fs.Name())
		return 2, true
	}
}

// Usage prints the synopsis, about and fs's flags with their defaults to w.
func Usage(fs *flag.FlagSet, synopsis, about string, w io.Writer) {
	fmt.Fprintf(w, "%s\n\n%s", synopsis, about)
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}
