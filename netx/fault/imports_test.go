package fault_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The engine and its package import nothing of netx or sim, directly or
// not, so that package sim (which netx's conns reach) can drive it: a
// walk of the module's packages this one depends on.
func TestImportsNeitherNetxNorSim(t *testing.T) {
	const module = "github.com/coop-go/coop"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{module + "/netx/fault": ""}
	todo := []string{module + "/netx/fault"}
	for len(todo) > 0 {
		pkg := todo[0]
		todo = todo[1:]
		files, err := filepath.Glob(filepath.Join(root, strings.TrimPrefix(pkg, module), "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("package %s: no files (%v)", pkg, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if !strings.HasPrefix(p, module+"/") {
					continue
				}
				if p == module+"/netx" || p == module+"/sim" || strings.HasPrefix(p, module+"/sim/") {
					t.Errorf("%s imports %s (chain: %s)", pkg, p, chain(seen, pkg))
				}
				if _, ok := seen[p]; !ok {
					seen[p] = pkg
					todo = append(todo, p)
				}
			}
		}
	}
}

func chain(from map[string]string, pkg string) string {
	var c []string
	for p := pkg; p != ""; p = from[p] {
		c = append(c, p)
	}
	return strings.Join(c, " <- ")
}
