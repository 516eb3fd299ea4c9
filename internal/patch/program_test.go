package patch

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestUnswappableDependencyIsLeft runs a program whose one dependency
// cannot be swapped (it hands a *net.Dialer to crypto/tls, which stays
// unswapped here): that package is left as it was, the report names it
// with the compiler's reason, and the program still builds and runs, its
// own imports swapped and net/http's defaults patched at start-up.
func TestUnswappableDependencyIsLeft(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyTree(t, "testdata/program", dir)
	before := treeDigest(t, dir)

	var out, errs bytes.Buffer
	cfg := testConfig(t, dir, "run", &out, &errs, ".")
	cfg.Report = true
	cfg.Swap = []string{"net", "time", "net/http"} // not crypto/tls, even once coop has tlsx
	code, err := Run(context.Background(), cfg)
	if err != nil || code != 0 {
		t.Fatalf("coop run = %d, %v\nstdout:\n%s\nstderr:\n%s", code, err, &out, &errs)
	}
	t.Logf("coop run -report:\n%s", &errs)

	want := "conn *netx.TCPConn\ndialer timeout 5s\nits default client transport *httpx.roundTripper\nours *http.Client\nidle 4\n"
	if out.String() != want {
		t.Errorf("the program printed\n%s\nwant\n%s", &out, want)
	}
	report := errs.String()
	for _, line := range []string{
		"swapped example.com/program net, net/http",
		"left example.com/legacy/dialer does not compile swapped: legacy/dialer/dialer.go:18:28: cannot use New() (value of type *netx.Dialer) as *net.Dialer value in argument to tls.DialWithDialer",
	} {
		if !hasLine(report, line) {
			t.Errorf("the report has no line %q", line)
		}
	}
	if after := treeDigest(t, dir); after != before {
		t.Errorf("coop run changed the program's files on disk")
	}

	// COOP_NOPATCH=1 turns the start-up patch off; the imports stay swapped.
	out.Reset()
	errs.Reset()
	cfg = testConfig(t, dir, "run", &out, &errs, ".")
	cfg.Swap = []string{"net", "time", "net/http"}
	cfg.Env = append(cfg.Env, "COOP_NOPATCH=1")
	if code, err := Run(context.Background(), cfg); err != nil || code != 0 {
		t.Fatalf("COOP_NOPATCH=1 coop run = %d, %v\n%s", code, err, &errs)
	}
	if want := "conn *netx.TCPConn\ndialer timeout 5s\nits default client transport <nil>\n"; !strings.HasPrefix(out.String(), want) {
		t.Errorf("with COOP_NOPATCH=1 the program printed\n%s\nwant it to start with\n%s", &out, want)
	}
}

// TestOnlyAndSkip checks that -only and -skip choose what is swapped.
func TestOnlyAndSkip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyTree(t, "testdata/program", dir)
	for _, tt := range []struct {
		only, skip string
		want       map[string]string // path → verdict
	}{
		{skip: "example.com/legacy/...", want: map[string]string{"example.com/program": "swapped", "example.com/legacy/dialer": "skipped"}},
		{only: "example.com/legacy/...", want: map[string]string{"example.com/program": "skipped", "example.com/legacy/dialer": "left", "example.com/legacy/pool": "swapped"}},
		// tuner, not swapped, takes what pool returns as net/http's Transport: pool is left too.
		{skip: "example.com/legacy/tuner", want: map[string]string{"example.com/legacy/tuner": "skipped", "example.com/legacy/pool": "left"}},
	} {
		var out, errs bytes.Buffer
		cfg := testConfig(t, dir, "build", &out, &errs, "-o", t.TempDir(), ".")
		cfg.Swap = []string{"net", "time", "net/http"}
		cfg.Only.Set(tt.only)
		cfg.Skip.Set(tt.skip)
		b, err := Prepare(context.Background(), cfg)
		if err != nil {
			t.Fatalf("-only=%q -skip=%q: %v\n%s", tt.only, tt.skip, err, &errs)
		}
		for path, want := range tt.want {
			if got := mustVerdict(t, b.Report, path); got.Verdict != want {
				t.Errorf("-only=%q -skip=%q: %s is %s (%s), want %s", tt.only, tt.skip, path, got.Verdict, got.Reason, want)
			}
		}
		if tt.skip == "example.com/legacy/tuner" {
			want := "example.com/legacy/tuner, which is skipped, does not compile with it swapped: legacy/tuner/tuner.go:12:31: cannot use pool.Transport() (value of type *httpx.Transport) as *http.Transport value in argument to idle"
			if got := mustVerdict(t, b.Report, "example.com/legacy/pool").Reason; got != want {
				t.Errorf("pool's reason is\n%s\nwant\n%s", got, want)
			}
		}
	}
}

// TestSecondBuildReusesEverything builds a program four times on a cache
// of its own. The second build, of the unchanged program, makes no
// compile check and rewrites nothing. After one file changes, the third
// rewrites that file alone, and builds at once on the last verdicts (one
// package left), with no check. After an edit that makes the main package
// fail to compile swapped, the fourth build fails, checks, leaves it, and
// builds again. (That the go build cache is reused is the go command's
// business: the overlay and the go.mod are the same files, with the same
// contents, every time.)
func TestSecondBuildReusesEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyTree(t, "testdata/program", dir)
	cache, bin := t.TempDir(), filepath.Join(t.TempDir(), "program")
	build := func() (trace string, files []string, report Report) {
		t.Helper()
		var out, errs bytes.Buffer
		cfg := testConfig(t, dir, "build", &out, &errs, "-o", bin, ".")
		cfg.Cache, cfg.Trace, cfg.Swap = cache, true, []string{"net", "time", "net/http"}
		b, err := Prepare(context.Background(), cfg)
		if err != nil {
			t.Fatalf("coop build: %v\n%s", err, &errs)
		}
		if code, err := b.Exec(context.Background()); err != nil || code != 0 {
			t.Fatalf("coop build = %d, %v\n%s", code, err, &errs)
		}
		return errs.String(), cacheEntries(t, cache, "files"), b.Report
	}
	left := func(r Report) (out []string) {
		for _, v := range r {
			if v.Verdict == "left" {
				out = append(out, v.Path)
			}
		}
		return out
	}
	trace1, files1, report1 := build()
	if !strings.Contains(trace1, "list -e -export") {
		t.Fatalf("the first build made no compile check:\n%s", trace1)
	}
	if got := left(report1); !slices.Equal(got, []string{"example.com/legacy/dialer"}) {
		t.Fatalf("the first build left %v, want example.com/legacy/dialer", got)
	}
	trace2, files2, _ := build()
	if strings.Contains(trace2, "list -e -export") {
		t.Errorf("the second build of an unchanged program checked again:\n%s", trace2)
	}
	if !slices.Equal(files1, files2) {
		t.Errorf("the second build wrote files: %v, then %v", files1, files2)
	}

	main := filepath.Join(dir, "main.go")
	writeFile(t, main, strings.Replace(readFile(t, main), "conn %T", "the conn %T", 1))
	trace3, files3, report3 := build()
	if strings.Contains(trace3, "list -e -export") {
		t.Errorf("the build after an edit checked, though the last verdicts hold:\n%s", trace3)
	}
	if got := left(report3); !slices.Equal(got, []string{"example.com/legacy/dialer"}) {
		t.Errorf("the build after an edit left %v, want example.com/legacy/dialer", got)
	}
	var added []string
	for _, f := range files3 {
		if !slices.Contains(files2, f) {
			added = append(added, f)
		}
	}
	// main.go rewritten, and then with its main renamed (it is package main's).
	if len(added) != 2 {
		t.Errorf("after one file changed, the build wrote %d files, want 2 (that file, its imports swapped, then its main renamed): %v", len(added), added)
	}

	src := strings.Replace(readFile(t, main), "import (", "import (\n\t\"crypto/tls\"", 1)
	writeFile(t, main, src+"\nfunc dialTLS() { tls.DialWithDialer(&net.Dialer{}, \"tcp\", \"x\", nil) }\n")
	trace4, _, report4 := build()
	if !strings.Contains(trace4, "list -e -export") {
		t.Errorf("the build after an edit that breaks the guess did not check:\n%s", trace4)
	}
	if got := left(report4); !slices.Equal(got, []string{"example.com/legacy/dialer", "example.com/program"}) {
		t.Errorf("the last build left %v, want the dialer and the program", got)
	}
	if !strings.Contains(trace4, "coop: left example.com/program as it was: does not compile swapped: main.go:") {
		t.Errorf("the last build did not say it left the program:\n%s", trace4)
	}
}

// TestBrokenProgram builds a program with an error of its own: the
// compile check ends, and the go command reports the error.
func TestBrokenProgram(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir+"/go.mod", "module example.com/broken\n\ngo 1.25\n")
	writeFile(t, dir+"/main.go", "package main\n\nimport \"net\"\n\nvar n int = \"one\"\n\nfunc main() { _, _ = net.Dial(\"tcp\", \"x\") }\n")
	var out, errs bytes.Buffer
	code, err := Run(context.Background(), testConfig(t, dir, "build", &out, &errs, "-o", t.TempDir(), "."))
	if err != nil || code == 0 {
		t.Fatalf("coop build of a broken program = %d, %v, want the go command's failure", code, err)
	}
	if !strings.Contains(errs.String(), `main.go:5:13: cannot use "one" (untyped string constant) as int value in variable declaration`) {
		t.Errorf("the go command's error is not in coop's output:\n%s", &errs)
	}
}
