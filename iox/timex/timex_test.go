package timex_test

import (
	"bytes"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coop-go/coop/iox/timex"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// exportedDecls returns the kind ("const", "var", "type" or "func") of each
// top-level exported name declared in the non-test .go files of dir.
func exportedDecls(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	fset := token.NewFileSet()
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv == nil {
					kinds[decl.Name.Name] = "func"
				}
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						kinds[spec.Name.Name] = "type"
					case *ast.ValueSpec:
						for _, id := range spec.Names {
							kinds[id.Name] = decl.Tok.String()
						}
					}
				}
			}
		}
	}
	for name := range kinds {
		if !token.IsExported(name) {
			delete(kinds, name)
		}
	}
	return kinds
}

// TestNamesMatchTime checks that package timex declares every exported
// name of package time, of the same kind, and no other.
func TestNamesMatchTime(t *testing.T) {
	std, err := importer.ForCompiler(token.NewFileSet(), "source", nil).Import("time")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, name := range std.Scope().Names() {
		if !token.IsExported(name) {
			continue
		}
		switch std.Scope().Lookup(name).(type) {
		case *types.Const:
			want[name] = "const"
		case *types.Var:
			want[name] = "var"
		case *types.TypeName:
			want[name] = "type"
		case *types.Func:
			want[name] = "func"
		}
	}
	got := exportedDecls(t, ".")
	var missing, extra, wrong []string
	for name, kind := range want {
		switch g, ok := got[name]; {
		case !ok:
			missing = append(missing, name)
		case g != kind:
			wrong = append(wrong, name+" is a "+g+", not a "+kind)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			extra = append(extra, name)
		}
	}
	for _, diff := range []struct {
		what  string
		names []string
	}{{"lacks time's", missing}, {"has names time lacks:", extra}, {"differs from time:", wrong}} {
		if len(diff.names) > 0 {
			slices.Sort(diff.names)
			t.Errorf("timex %s %s (run go generate?)", diff.what, strings.Join(diff.names, ", "))
		}
	}
}

// TestTimerTickerMirrorTime checks that timex's Timer and Ticker have the
// exported fields and methods of time's.
func TestTimerTickerMirrorTime(t *testing.T) {
	pairs := []struct{ std, x reflect.Type }{
		{reflect.TypeFor[*time.Timer](), reflect.TypeFor[*timex.Timer]()},
		{reflect.TypeFor[*time.Ticker](), reflect.TypeFor[*timex.Ticker]()},
	}
	for _, p := range pairs {
		for i := range p.std.NumMethod() {
			m := p.std.Method(i)
			xm, ok := p.x.MethodByName(m.Name)
			if !ok {
				t.Errorf("%v lacks method %s", p.x, m.Name)
				continue
			}
			// The receiver, the first parameter, differs.
			want, got := signature(m.Type), signature(xm.Type)
			if got != want {
				t.Errorf("%v.%s has signature %s, want %s", p.x, m.Name, got, want)
			}
		}
		for i := range p.std.Elem().NumField() {
			f := p.std.Elem().Field(i)
			if !f.IsExported() {
				continue
			}
			xf, ok := p.x.Elem().FieldByName(f.Name)
			if !ok || !xf.IsExported() {
				t.Errorf("%v lacks field %s", p.x.Elem(), f.Name)
			} else if xf.Type != f.Type {
				t.Errorf("%v.%s has type %v, want %v", p.x.Elem(), f.Name, xf.Type, f.Type)
			}
		}
	}
}

// signature prints a method's type without its receiver.
func signature(fn reflect.Type) string {
	var in, out []string
	for i := 1; i < fn.NumIn(); i++ {
		in = append(in, fn.In(i).String())
	}
	for i := range fn.NumOut() {
		out = append(out, fn.Out(i).String())
	}
	return "(" + strings.Join(in, ", ") + ") (" + strings.Join(out, ", ") + ")"
}

// TestGeneratedUpToDate runs the generator as go generate would and
// compares its output with zz_time.go, which a new Go release's additions
// to package time make stale.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	out := filepath.Join(t.TempDir(), "zz_time.go")
	cmd := exec.Command("go", "run", "../../internal/apigen", "-pkg", "time", "-dir", ".", "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apigen: %v\n%s", err, msg)
	}
	got, err := os.ReadFile("zz_time.go")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("zz_time.go is stale: run go generate in iox/timex")
	}
}
