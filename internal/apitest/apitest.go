// Package apitest checks that a drop-in package (timex, netx, httpx)
// mirrors the standard package it replaces: the same exported names of
// the same kinds, the same methods on the types it declares itself, and a
// generated part that is up to date.
package apitest

import (
	"bytes"
	"go/ast"
	"go/build"
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
)

// Names checks that the non-test Go files in dir declare every exported
// name of the standard package std, with the same kind (const, var, type,
// func), and no other exported name than those listed in additions.
//
// It reads std's export data from the build cache (go list -export, which
// the go command runs for the "gc" importer), not its source: type-checking
// net/http from source took 30 s of a -race test binary on a loaded
// machine, the export data takes about one; the names are the same.
func Names(t *testing.T, std, dir string, additions ...string) {
	t.Helper()
	pkg, err := importer.ForCompiler(token.NewFileSet(), "gc", nil).Import(std)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, name := range pkg.Scope().Names() {
		if !token.IsExported(name) {
			continue
		}
		switch pkg.Scope().Lookup(name).(type) {
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
	got := decls(t, dir)
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
		if _, ok := want[name]; !ok && !slices.Contains(additions, name) {
			extra = append(extra, name)
		}
	}
	for _, diff := range []struct {
		what  string
		names []string
	}{{"lacks " + std + "'s", missing}, {"has names " + std + " lacks:", extra}, {"differs from " + std + ":", wrong}} {
		if len(diff.names) > 0 {
			slices.Sort(diff.names)
			t.Errorf("the package %s %s (run go generate?)", diff.what, strings.Join(diff.names, ", "))
		}
	}
}

// decls returns the kind of each exported top-level name declared in the
// non-test Go files of dir.
func decls(t *testing.T, dir string) map[string]string {
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
		// Only the files the Go release in use builds (dial_go126.go
		// only from Go 1.26 on).
		if ok, err := build.Default.MatchFile(dir, filepath.Base(path)); err != nil || !ok {
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

// Methods checks that type ours has every exported method of std with the
// same signature, and every exported field of std (if std is a pointer to
// a struct) with the same type. In signatures, ours's package name stands
// for std's: a netx method returning *netx.TCPConn matches a net method
// returning *net.TCPConn.
func Methods(t *testing.T, std, ours reflect.Type) {
	t.Helper()
	oursPkg, stdPkg := pkgName(ours), pkgName(std)
	norm := func(s string) string { return strings.ReplaceAll(s, oursPkg+".", stdPkg+".") }
	for i := range std.NumMethod() {
		m := std.Method(i)
		om, ok := ours.MethodByName(m.Name)
		if !ok {
			t.Errorf("%v lacks method %s", ours, m.Name)
			continue
		}
		want, got := signature(m.Type), norm(signature(om.Type))
		if got != want {
			t.Errorf("%v.%s has signature %s, want %s", ours, m.Name, got, want)
		}
	}
	if std.Kind() != reflect.Pointer || std.Elem().Kind() != reflect.Struct {
		return
	}
	for i := range std.Elem().NumField() {
		f := std.Elem().Field(i)
		if !f.IsExported() {
			continue
		}
		of, ok := ours.Elem().FieldByName(f.Name)
		if !ok || !of.IsExported() {
			t.Errorf("%v lacks field %s", ours.Elem(), f.Name)
		} else if got, want := norm(of.Type.String()), f.Type.String(); got != want {
			t.Errorf("%v.%s has type %s, want %s", ours.Elem(), f.Name, got, want)
		}
	}
}

func pkgName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return filepath.Base(t.PkgPath())
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

// Generated runs apigen for the standard package std as go generate
// would in dir, and checks that its output equals the file file there,
// which a new Go release's additions make stale.
func Generated(t *testing.T, std, dir, file string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the generator")
	}
	root, err := moduleRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), file)
	cmd := exec.Command("go", "run", filepath.Join(root, "internal", "apigen"), "-pkg", std, "-dir", dir, "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apigen: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go generate in %s", file, dir)
	}
}

func moduleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
