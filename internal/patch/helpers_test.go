package patch

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// coopRoot is the checkout these tests run in, the coop module the
// patched builds use unless COOP_TEST_MODULE names another checkout.
func coopRoot(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("COOP_TEST_MODULE"); dir != "" {
		return dir
	}
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkCoopDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// testEnv is the environment of the go commands the tests run: this
// process's, with no workspace and no toolchain switch.
func testEnv() []string {
	return append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false")
}

var (
	sharedCacheOnce sync.Once
	sharedCache     string
)

// testCache returns a coop cache that the tests of this run share, so
// that they find each other's mirrors and rewritten files.
func testCache(t testing.TB) string {
	sharedCacheOnce.Do(func() {
		d, err := os.MkdirTemp("", "coop-patch-test-")
		if err != nil {
			panic(err)
		}
		sharedCache = d
	})
	return sharedCache
}

// testConfig returns the Config of a patched cmd in dir with args, on
// the shared cache, its output in out and errs.
func testConfig(t testing.TB, dir, cmd string, out, errs *bytes.Buffer, args ...string) Config {
	return Config{
		Command: cmd, Args: args, Dir: dir, Env: testEnv(),
		Stdout: out, Stderr: errs,
		Source: Source{Dir: coopRoot(t)}, Cache: testCache(t),
	}
}

// copyTree copies the files under src to dst, writable.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// treeDigest returns every file under dir with its content, to compare.
func treeDigest(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		b.WriteString(path + "\n" + string(data) + "\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// goOutput runs the go command in dir with the tests' environment.
func goOutput(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), "go", args...)
	cmd.Dir, cmd.Env = dir, testEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustVerdict returns the verdict of path in r, failing the test if r has none.
func mustVerdict(t *testing.T, r Report, path string) Verdict {
	t.Helper()
	v, ok := r.Find(path)
	if !ok {
		var b bytes.Buffer
		r.Write(&b)
		t.Fatalf("the report has no verdict for %s:\n%s", path, b.String())
	}
	return v
}

// cacheEntries returns the names of the entries of kind in cache.
func cacheEntries(t *testing.T, cache, kind string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(cache, kind), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, filepath.Base(path))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hasLine reports whether text has a line whose words are line's.
func hasLine(text, line string) bool {
	want := strings.Join(strings.Fields(line), " ")
	for _, l := range strings.Split(text, "\n") {
		if strings.Join(strings.Fields(l), " ") == want {
			return true
		}
	}
	return false
}
