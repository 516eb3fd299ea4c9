package patch

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
)

// RewriteImports returns src, a Go source file, with every import of a
// standard package in swaps pointing at its drop-in instead, under the
// name the file used: "net" becomes net "github.com/coop-go/coop/netx",
// stdnet "net" becomes stdnet "github.com/coop-go/coop/netx", and a dot
// import stays a dot import. A blank import (_ "net") is left alone: it is
// there for the package's side effects, which the drop-in does not have.
//
// Only the import lines change, each on its own line, so every other
// position in the file (line numbers in stacks, coverage, errors) stays
// where it was. It returns the standard paths it swapped, in the order
// the file imports them; none, and src itself, if the file imports none.
func RewriteImports(filename string, src []byte, swaps Swaps) (out []byte, swapped []string, err error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ImportsOnly|parser.SkipObjectResolution)
	if err != nil {
		return src, nil, err
	}
	var edits []edit
	for _, spec := range f.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		sw, ok := swaps.Lookup(path)
		if !ok || spec.Name != nil && spec.Name.Name == "_" {
			continue
		}
		text := strconv.Quote(sw.Coop)
		if spec.Name == nil {
			text = sw.Name + " " + text
		}
		edits = append(edits, edit{
			start: fset.Position(spec.Path.Pos()).Offset,
			end:   fset.Position(spec.Path.End()).Offset,
			text:  text,
		})
		if !slices.Contains(swapped, path) {
			swapped = append(swapped, path)
		}
	}
	if len(edits) == 0 {
		return src, nil, nil
	}
	return apply(src, edits), swapped, nil
}

// renameMain returns src, a file of package main, with its func main
// renamed to name, and whether it declares one.
func renameMain(filename string, src []byte, name string) ([]byte, bool, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution)
	if err != nil {
		return src, false, err
	}
	if f.Name.Name != "main" {
		return src, false, nil
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Name.Name != "main" {
			continue
		}
		return apply(src, []edit{{
			start: fset.Position(fn.Name.Pos()).Offset,
			end:   fset.Position(fn.Name.End()).Offset,
			text:  name,
		}}), true, nil
	}
	return src, false, nil
}

// An edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// apply returns src with edits made; they must not overlap.
func apply(src []byte, edits []edit) []byte {
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	var out bytes.Buffer
	last := 0
	for _, e := range edits {
		if e.start < last {
			panic(fmt.Sprintf("patch: overlapping edits at offset %d", e.start))
		}
		out.Write(src[last:e.start])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(src[last:])
	return out.Bytes()
}
