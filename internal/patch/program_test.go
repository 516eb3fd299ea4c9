package patch

import (
	"bytes"
	"context"
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

// TestSecondBuildReusesEverything prepares the build of a program three
// times on a cache of its own: the second time, for the unchanged program,
// coop makes no compile check and rewrites nothing; after one file
// changes, the third rewrites that file alone. (That the go build cache
// is reused is the go command's business: the overlay and the go.mod are
// the same files, with the same contents, every time.)
func TestSecondBuildReusesEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyTree(t, "testdata/program", dir)
	cache := t.TempDir()
	build := func() (trace string, files []string) {
		t.Helper()
		var out, errs bytes.Buffer
		cfg := testConfig(t, dir, "build", &out, &errs, ".")
		cfg.Cache, cfg.Trace = cache, true
		if _, err := Prepare(context.Background(), cfg); err != nil {
			t.Fatalf("coop build: %v\n%s", err, &errs)
		}
		return errs.String(), cacheEntries(t, cache, "files")
	}
	trace1, files1 := build()
	if !strings.Contains(trace1, "list -e -export") {
		t.Fatalf("the first build made no compile check:\n%s", trace1)
	}
	trace2, files2 := build()
	if strings.Contains(trace2, "list -e -export") {
		t.Errorf("the second build of an unchanged program checked again:\n%s", trace2)
	}
	if !slices.Equal(files1, files2) {
		t.Errorf("the second build wrote files: %v, then %v", files1, files2)
	}

	writeFile(t, dir+"/main.go", strings.Replace(readFile(t, dir+"/main.go"), "conn %T", "the conn %T", 1))
	trace3, files3 := build()
	if !strings.Contains(trace3, "list -e -export") {
		t.Errorf("the build after an edit did not check again")
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
