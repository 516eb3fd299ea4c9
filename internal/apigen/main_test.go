package main

import (
	"go/importer"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testImporter is shared by the tests. It reads the standard packages'
// export data from the build cache (go list -export) rather than type-check
// them from source as apigen does: under the race detector that took most
// of a minute on a loaded machine, this takes seconds, and the types are
// the same. apigen's own source importer is what apitest.Generated runs,
// for every drop-in package, through go run.
var testImporter = importer.ForCompiler(token.NewFileSet(), "gc", nil)

// generateFor runs the generator for the named names of pkg into a target
// package whose one hand-written file is src, and returns its output.
func generateFor(t *testing.T, pkg, src string, names ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o666); err != nil {
		t.Fatal(err)
	}
	cfg := config{pkg: pkg, dir: dir, out: "zz.go", importer: testImporter}
	if len(names) > 0 {
		cfg.only = map[string]bool{}
		for _, name := range names {
			cfg.only[name] = true
		}
	}
	out, err := generate(cfg)
	return string(out), err
}

func TestGenerate(t *testing.T) {
	tests := []struct {
		name  string
		pkg   string
		src   string // the hand-written file
		names []string
		want  []string // lines of the output, in order
	}{{
		name:  "variadic",
		pkg:   "fmt",
		src:   "package x\n",
		names: []string{"Sprintf"},
		want: []string{
			"// Sprintf calls fmt.Sprintf.",
			"func Sprintf(format string, a ...any) string {",
			"\treturn fmt.Sprintf(format, a...)",
		},
	}, {
		name:  "parameter named as the package",
		pkg:   "slices",
		src:   "package x\n",
		names: []string{"Concat"},
		want: []string{
			"func Concat[S ~[]E, E any](p0 ...S) S {",
			"\treturn slices.Concat[S, E](p0...)",
		},
	}, {
		name:  "other packages' types and the package's own",
		pkg:   "net",
		src:   "package x\n",
		names: []string{"DialTimeout", "Conn"},
		want: []string{
			"\t\"net\"",
			"\t\"time\"",
			"type Conn = net.Conn",
			"func DialTimeout(network, address string, timeout time.Duration) (Conn, error) {",
			"\treturn net.DialTimeout(network, address, timeout)",
		},
	}, {
		name:  "hand-written names",
		pkg:   "net",
		src:   "package x\n\ntype Conn struct{}\n\nconst time = 1\n\nfunc Dial() {}\n",
		names: []string{"Dial", "DialTimeout", "Conn"},
		want: []string{
			"\ttime2 \"time\"",
			"func DialTimeout(network, address string, timeout time2.Duration) (net.Conn, error) {",
		},
	}, {
		name:  "no result",
		pkg:   "sort",
		src:   "package x\n",
		names: []string{"Sort", "Interface"},
		want: []string{
			"func Sort(data Interface) {",
			"\tsort.Sort(data)",
		},
	}, {
		name:  "func-typed parameter",
		pkg:   "sort",
		src:   "package x\n",
		names: []string{"Search"},
		want:  []string{"func Search(n int, f func(int) bool) int {"},
	}, {
		name:  "generic types",
		pkg:   "iter",
		src:   "package x\n",
		names: []string{"Seq", "Seq2", "Pull"},
		want: []string{
			"type Seq2[K any, V any] = iter.Seq2[K, V]",
			"func Pull[V any](seq Seq[V]) (func() (V, bool), func()) {",
			"\treturn iter.Pull[V](seq)",
		},
	}, {
		name:  "unexported constraint",
		pkg:   "math/rand/v2",
		src:   "package x\n",
		names: []string{"N"},
		want: []string{
			"func N[Int interface {",
			"\t~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr",
			"}](n Int) Int {",
		},
	}, {
		name:  "variables and constants",
		pkg:   "time",
		src:   "package x\n",
		names: []string{"UTC", "Hour"},
		want: []string{
			"const (",
			"\t// Hour is time.Hour.",
			"\t// Common durations.",
			"\tHour = time.Hour",
			"var (",
			"\t// UTC is a copy of time.UTC taken at program start:",
			"\tUTC = time.UTC",
		},
	}, {
		name:  "deprecated in a group",
		pkg:   "go/ast",
		src:   "package x\n",
		names: []string{"FilterFuncDuplicates"},
		want: []string{
			"\t// Deprecated: use the type checker [go/types] instead of [Package];",
			"\t//lint:ignore SA1019 forwarding the deprecated name",
			"\tFilterFuncDuplicates = ast.FilterFuncDuplicates",
		},
	}, {
		name:  "deprecated package",
		pkg:   "io/ioutil",
		src:   "package x\n",
		names: []string{"ReadAll"},
		want: []string{
			"\t//lint:ignore SA1019 forwarding the deprecated package",
			"\t\"io/ioutil\"",
			"// Deprecated: As of Go 1.16, this function simply calls [io.ReadAll].",
			"func ReadAll(r io.Reader) ([]byte, error) {",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := generateFor(t, tt.pkg, tt.src, tt.names...)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(got, "\n")
			i := 0
			for _, want := range tt.want {
				j := slices.Index(lines[i:], want)
				if j < 0 {
					t.Fatalf("output lacks %q after line %d:\n%s", want, i+1, got)
				}
				i += j + 1
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		pkg   string
		src   string
		names []string
		want  string
	}{
		{"syscall", "package x\n", []string{"ForkLock"}, "apigen: syscall.ForkLock: a copy would copy its lock; declare ForkLock by hand"},
		{"testing", "package x\n", []string{"MainStart"}, "apigen: testing.MainStart: its signature has the unexported type testing.testDeps; declare MainStart by hand"},
		{"time", "package x\n\nvar time int\n", nil, "apigen: package x declares time, the name of the import of time; choose another with -import-as"},
		{"time", "// Code generated by hand; DO NOT EDIT.\n\npackage x\n", nil, "apigen: no hand-written .go file in"},
	}
	for _, tt := range tests {
		_, err := generateFor(t, tt.pkg, tt.src, tt.names...)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("generate(%s, %v) = %v, want error %q", tt.pkg, tt.names, err, tt.want)
		}
	}
}

func TestParamNames(t *testing.T) {
	param := func(name string) *types.Var { return types.NewParam(0, nil, name, types.Typ[types.Int]) }
	params := types.NewTuple(param(""), param("_"), param("p0"), param("time"), param("d"))
	got := paramNames(params, "time")
	want := []string{"p0_", "p1", "p0", "p3", "d"}
	if !slices.Equal(got, want) {
		t.Errorf("paramNames(_ int, _ int, p0 int, time int, d int) = %q, want %q", got, want)
	}
}

// TestOutputCompiles generates the whole of net and net/http, as netx and
// httpx will, next to a hand-written file, and vets the result.
func TestOutputCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module probe\n\ngo 1.25\n",
		"netx/netx.go": `package netx

import "net"

// Dial is hand-written.
func Dial(network, address string) (net.Conn, error) { return net.Dial(network, address) }
`,
		"httpx/httpx.go": `package httpx

import "net/http"

// Request is hand-written, and not http.Request.
type Request struct{ R *http.Request }
`,
	}
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ pkg, dir string }{{"net", "netx"}, {"net/http", "httpx"}} {
		out, err := generate(config{pkg: c.pkg, dir: filepath.Join(dir, c.dir), out: "zz.go", importer: testImporter})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, c.dir, "zz.go"), out, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet: %v\n%s", err, out)
	}
}
