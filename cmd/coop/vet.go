package main

import (
	"io"
	"os"

	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/coop-go/coop/internal/vet"
)

// vetCommand runs coop's analyzer: "coop vet [flags] packages" on its own
// (go/packages loads them; -fix applies the suggested fixes, -diff shows
// them), or, when go vet -vettool runs coop, with go vet's protocol.
// Either way it exits the process itself, as analysis drivers do.
func vetCommand(args []string, _ io.Reader, _, _ io.Writer) int {
	if isVettool(args) {
		os.Args = append([]string{os.Args[0]}, args...)
	} else {
		os.Args = append([]string{"coop vet"}, args...)
	}
	singlechecker.Main(vet.Analyzer)
	return 0 // not reached: Main exits
}
