package goredis

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// swaps maps a standard import path to coop's drop-in for it and the name
// the drop-in is imported as, so that the code using it is unchanged.
var swaps = map[string]struct{ path, name string }{
	"net":        {"github.com/coop-go/coop/netx", "net"},
	"time":       {"github.com/coop-go/coop/iox/timex", "time"},
	"crypto/tls": {"github.com/coop-go/coop/tlsx", "tls"},
}

// swapImports returns src with its imports of net, time and crypto/tls
// replaced by coop's drop-ins under the same names (an import that names
// itself keeps its name), byte for byte otherwise, and how many imports
// it replaced.
func swapImports(src []byte) ([]byte, int, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return nil, 0, err
	}
	out, n := slices.Clone(src), 0
	for _, imp := range slices.Backward(f.Imports) { // from the end, so offsets hold
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return nil, 0, err
		}
		s, ok := swaps[path]
		if !ok {
			continue
		}
		repl := strconv.Quote(s.path)
		if imp.Name == nil {
			repl = s.name + " " + repl
		}
		start, end := fset.Position(imp.Path.Pos()).Offset, fset.Position(imp.Path.End()).Offset
		out = slices.Concat(out[:start], []byte(repl), out[end:])
		n++
	}
	return out, n, nil
}

// swapTree rewrites, in place, the imports of every .go file of the module
// rooted at dir (not of modules nested in it, nor testdata), and returns
// how many files it changed.
func swapTree(dir string) (int, error) {
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == dir {
				return nil
			}
			if d.Name() == "testdata" || d.Name() == "vendor" {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if filepath.Ext(path) != ".go" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out, n, err := swapImports(src)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if n == 0 || bytes.Equal(out, src) {
			return nil
		}
		files++
		return os.WriteFile(path, out, 0o644)
	})
	return files, err
}
