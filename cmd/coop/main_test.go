package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/live"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestUsage(t *testing.T) {
	var out, errs bytes.Buffer
	if code := Main([]string{"-h"}, nil, &out, &errs); code != 0 {
		t.Errorf("coop -h = %d, want 0", code)
	}
	for name := range commands {
		if !strings.Contains(out.String(), "\t"+name+" ") {
			t.Errorf("the usage does not list %s:\n%s", name, &out)
		}
	}
	out.Reset()
	if code := Main([]string{"frobnicate"}, nil, &out, &errs); code != 2 || !strings.Contains(errs.String(), `unknown command "frobnicate"`) {
		t.Errorf("coop frobnicate = %d, %q", code, &errs)
	}
	errs.Reset()
	if code := Main([]string{"build", "-h"}, nil, &out, &errs); code != 0 || !strings.Contains(errs.String(), "-report") {
		t.Errorf("coop build -h = %d, %q", code, &errs)
	}
	errs.Reset()
	if code := Main([]string{"build", "-coop=/nonexistent", "."}, nil, &out, &errs); code != 2 || !strings.Contains(errs.String(), "is not a checkout of github.com/coop-go/coop") {
		t.Errorf("coop build -coop=/nonexistent = %d, %q", code, &errs)
	}
}

func TestSplitCoopFlags(t *testing.T) {
	var pf patchFlags
	fs := pf.flagSet("test", &bytes.Buffer{})
	for _, tt := range []struct {
		args, coop, rest []string
	}{
		{[]string{"-report", "-skip", "x/...", "-race", "./..."}, []string{"-report", "-skip", "x/..."}, []string{"-race", "./..."}},
		{[]string{"-only=a", "--swap=net", "-run", "X"}, []string{"-only=a", "--swap=net"}, []string{"-run", "X"}},
		{[]string{"./pkg", "-report"}, []string{}, []string{"./pkg", "-report"}},
		{[]string{"-count=1", "-skip", "TestSlow"}, []string{}, []string{"-count=1", "-skip", "TestSlow"}}, // go test's -skip, after a go flag
	} {
		coop, rest := splitCoopFlags(fs, tt.args)
		if !slices.Equal(coop, tt.coop) || !slices.Equal(rest, tt.rest) {
			t.Errorf("splitCoopFlags(%q) = %q, %q; want %q, %q", tt.args, coop, rest, tt.coop, tt.rest)
		}
	}
}

func TestIsVettool(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{[]string{"-V=full"}, true},
		{[]string{"-flags"}, true},
		{[]string{"-coop.swapped=x", "/tmp/vet123/vet.cfg"}, true},
		{[]string{"/tmp/vet.cfg"}, true},
		{[]string{"vet", "./..."}, false},
		{[]string{"build", "-report", "."}, false},
		{nil, false},
	} {
		if got := isVettool(tt.args); got != tt.want {
			t.Errorf("isVettool(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}

// TestVet runs the analyzer through the coop command both ways: coop vet
// on its own, with -fix, and go vet -vettool=coop.
func TestVet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the coop command")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "coop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/vetme\n\ngo 1.25\n\nrequire github.com/coop-go/coop v0.0.0-00010101000000-000000000000\n\nreplace github.com/coop-go/coop => "+root+"\n")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "go.sum"), string(sum))
	writeFile(t, filepath.Join(dir, "main.go"), `package main

import (
	"time"

	http "github.com/coop-go/coop/httpx"
)

func main() {
	time.Sleep(time.Millisecond)
	http.Get("http://127.0.0.1:1/")
}
`)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	want := `main.go:4:2: "time" is imported in a package meant to be swapped`
	out, err := run("go", "vet", "-vettool="+bin, "./...")
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("go vet -vettool=coop: %v\n%s\nwant %q", err, out, want)
	}
	out, err = run(bin, "vet", "./...")
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("coop vet: %v\n%s\nwant %q", err, out, want)
	}
	if out, err = run(bin, "vet", "-fix", "./..."); err != nil {
		t.Errorf("coop vet -fix: %v\n%s", err, out)
	}
	fixed, err := os.ReadFile(filepath.Join(dir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(fixed), `time "github.com/coop-go/coop/iox/timex"`) {
		t.Errorf("coop vet -fix did not swap the import:\n%s", fixed)
	}
	if out, err = run("go", "vet", "-vettool="+bin, "./..."); err != nil {
		t.Errorf("go vet -vettool=coop after the fix: %v\n%s", err, out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTop runs coop top -once against the live page of a scheduler with
// one task blocked in a receive: the dispatch table reaches livetop.
func TestTop(t *testing.T) {
	s := iox.New(iox.WithName("topped"))
	defer s.Close()
	release := make(chan struct{})
	task := s.Go(func(context.Context) error {
		iox.Recv(release)
		return nil
	}).SetName("waiter")
	defer func() {
		close(release)
		task.Wait()
	}()
	srv := httptest.NewServer(live.Handler(s))
	defer srv.Close()
	for {
		if sn := s.Snapshot(); len(sn.Tasks) == 1 && sn.Tasks[0].State == iox.Blocked {
			break
		}
		runtime.Gosched()
	}
	var out, errs bytes.Buffer
	if code := Main([]string{"top", "-once", srv.URL + "/"}, strings.NewReader(""), &out, &errs); code != 0 {
		t.Fatalf("coop top -once = %d\n%s", code, &errs)
	}
	if !strings.Contains(out.String(), "waiter") {
		t.Errorf("coop top -once printed no task waiter:\n%s", &out)
	}
}
