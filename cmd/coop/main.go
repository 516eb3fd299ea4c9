package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/coop-go/coop/internal/livetop"
)

// A command is one subcommand of coop. run gets the arguments after the
// subcommand's name and returns the exit code.
type command struct {
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
	summary string
}

// commands is coop's dispatch table; another subcommand is one entry.
var commands = map[string]command{
	"build": {patchCommand("build"), "compile packages with every dependency patched"},
	"run":   {patchCommand("run"), "compile and run a program with every dependency patched"},
	"test":  {patchCommand("test"), "test packages with every dependency patched"},
	"vet":   {vetCommand, "report the blocking calls coop cannot see, with fixes"},
	"top":   {livetop.Main, "a terminal view of a running program's tasks, from its live page's URL"},
}

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Main runs coop with args (what follows the program's name) and returns
// the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if isVettool(args) {
		// go vet -vettool=coop runs coop with the unitchecker protocol.
		return vetCommand(args, stdin, stdout, stderr)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "coop: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `coop patches a whole program at build time, as gevent's monkey.patch_all()
patches one at run time: every package but the standard library's and coop's
has its imports of net, time, net/http and crypto/tls swapped for coop's
drop-ins.

Usage:

	coop <command> [coop flags] [go flags] [packages] [arguments]

The commands are:

`)
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "\t%-6s %s\n", name, commands[name].summary)
	}
	fmt.Fprint(w, `
Run "coop <command> -h" for a command's flags.
`)
}

// isVettool reports whether args are go vet's, running coop as its -vettool:
// "-V=full", "-flags", or flags and a single .cfg file.
func isVettool(args []string) bool {
	if len(args) == 0 {
		return false
	}
	if slices.Contains(args, "-V=full") || slices.Contains(args, "-flags") {
		return true
	}
	return strings.HasSuffix(args[len(args)-1], ".cfg") && strings.HasPrefix(args[0], "-") || len(args) == 1 && strings.HasSuffix(args[0], ".cfg")
}
