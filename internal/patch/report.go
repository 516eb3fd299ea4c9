package patch

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// A verdict is what a patched build did with one package.
type verdict int

const (
	vStd     verdict = iota // the standard library: never patched
	vCoop                   // coop's own
	vNone                   // it imports none of the swapped packages
	vSwapped                // its imports were swapped
	vLeft                   // it could not be swapped, and was left as it was (reason says why)
	vSkipped                // -only or -skip kept it as it was
)

func (v verdict) String() string {
	return [...]string{"std", "coop", "unchanged", "swapped", "left", "skipped"}[v]
}

// A Verdict is what a patched build did with one package, for reports.
type Verdict struct {
	Path    string   // the package's import path
	Verdict string   // "swapped", "left", "skipped", "unchanged", "coop" or "std"
	Swapped []string // the standard packages it imports that the table swaps
	Reason  string   // for left and skipped: why
}

// Report is every package's verdict, in the build's order (dependencies first).
type Report []Verdict

// Count returns how many packages have the verdict v.
func (r Report) Count(v string) int {
	n := 0
	for _, x := range r {
		if x.Verdict == v {
			n++
		}
	}
	return n
}

// Find returns the verdict of the package path, and whether r has it.
func (r Report) Find(path string) (Verdict, bool) {
	for _, x := range r {
		if x.Path == path {
			return x, true
		}
	}
	return Verdict{}, false
}

// Summary is the report's first line.
func (r Report) Summary() string {
	return fmt.Sprintf("coop: %d packages: %d swapped, %d left, %d skipped, %d unchanged, %d of coop, %d of the standard library",
		len(r), r.Count("swapped"), r.Count("left"), r.Count("skipped"), r.Count("unchanged"), r.Count("coop"), r.Count("std"))
}

// Write prints the report: the summary, then one line per package but
// those of the standard library.
func (r Report) Write(w io.Writer) {
	fmt.Fprintln(w, r.Summary())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, x := range r {
		if x.Verdict == "std" {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", x.Verdict, x.Path, x.detail())
	}
	tw.Flush()
}

// WriteLeft prints one line for each package that could not be swapped
// for a reason of its own: those the user should hear about on every build.
func (r Report) WriteLeft(w io.Writer) {
	for _, x := range r {
		if x.Verdict == "left" && !strings.HasPrefix(x.Reason, coopDepReason) {
			fmt.Fprintf(w, "coop: left %s as it was: %s\n", x.Path, x.Reason)
		}
	}
}

func (x Verdict) detail() string {
	switch x.Verdict {
	case "swapped":
		return strings.Join(x.Swapped, ", ")
	case "left", "skipped":
		return firstLine(x.Reason)
	case "unchanged":
		return ""
	}
	return ""
}

// coopDepReason starts the reason of a package coop's drop-ins import.
const coopDepReason = "coop's drop-ins import it"

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
