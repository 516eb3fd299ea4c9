package retry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// upstreamFailures are the tests of go-retryablehttp v0.7.8's own suite
// that fail with httpx's client, by name, with the reason. There are
// none: all 75 (32 tests and their subtests) pass in both runs. The suite
// runs twice: as is (nothing in force, so httpx goes straight to
// net/http), and with an observer on iox.Default, which makes every
// request, body read, dial and conn read or write a reported blocking
// call. Set COOP_UPSTREAM_DEBUG=1 to see the suite's output.
var upstreamFailures = map[string]string{}

// TestUpstreamRetryableHTTPSuite runs go-retryablehttp's own tests
// (client_test.go and roundtripper_test.go, from the module cache) with
// every client they make from NewClient wired as Wrap wires one and given
// httpx.NewClient() as its HTTPClient, in a throwaway module, offline.
//
// The tests are internal to package retryablehttp, so the throwaway
// module holds a copy of the package's source under another module path
// (httpx imports the real one, which would otherwise be an import
// cycle). Their one use of go-hclog, which is not in coop's module graph,
// gets a stand-in with the same New and LoggerOptions.Output.
func TestUpstreamRetryableHTTPSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go-retryablehttp's suite twice, which takes about 25s")
	}
	upstream := goList(t, "-m", "-f", "{{.Dir}}", "github.com/hashicorp/go-retryablehttp")
	root := goList(t, "-m", "-f", "{{.Dir}}")
	if upstream == "" {
		t.Fatal("go-retryablehttp is not in the module cache: run go mod download")
	}
	dir := t.TempDir()
	copyUpstream(t, upstream, dir)
	writeFile(t, filepath.Join(dir, "coop_test.go"), coopHelper)
	writeFile(t, filepath.Join(dir, "hclog", "go.mod"), "module github.com/hashicorp/go-hclog\n\ngo 1.21\n")
	writeFile(t, filepath.Join(dir, "hclog", "hclog.go"), hclogStandIn)
	goSum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "go.sum"), string(goSum))
	writeFile(t, filepath.Join(dir, "go.mod"), fmt.Sprintf(`module example.com/retryablehttp-upstream

go 1.25

require (
	github.com/coop-go/coop v0.0.0
	github.com/hashicorp/go-cleanhttp v0.5.2
	github.com/hashicorp/go-hclog v1.6.3
	github.com/hashicorp/go-retryablehttp v0.7.8
)

replace github.com/coop-go/coop => %s

replace github.com/hashicorp/go-hclog => ./hclog
`, root))

	// The two runs go side by side, but for TestClient_Do, which listens
	// on a fixed port: the plain run has it on its own afterwards.
	modes := []string{"as is", "observed"}
	results := make([]map[string]string, len(modes))
	errs := make(chan error, 2)
	go func() {
		var err error
		results[0], err = runSuite(dir, false, "-skip", "^TestClient_Do$")
		errs <- err
	}()
	go func() {
		var err error
		results[1], err = runSuite(dir, true)
		errs <- err
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	last, err := runSuite(dir, false, "-run", "^TestClient_Do$")
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(results[0], last)
	for i, mode := range modes {
		var pass, fail, skip, top int
		var failed []string
		for name, action := range results[i] {
			if !strings.Contains(name, "/") {
				top++
			}
			switch action {
			case "pass":
				pass++
			case "skip":
				skip++
			case "fail":
				fail++
				failed = append(failed, name)
			}
		}
		slices.Sort(failed)
		t.Logf("go-retryablehttp v0.7.8 suite, %s: %d tests (%d top-level, the rest subtests): %d pass, %d fail, %d skip",
			mode, len(results[i]), top, pass, fail, skip)
		for _, name := range failed {
			why, known := upstreamFailures[name]
			if !known {
				t.Errorf("%s: %s fails, and no known reason says why", mode, name)
				continue
			}
			t.Logf("  %s fails (known): %s", name, why)
		}
		for name := range upstreamFailures {
			if results[i][name] != "fail" {
				t.Errorf("%s: %s was known to fail but %s", mode, name, results[i][name])
			}
		}
		if pass == 0 {
			t.Errorf("%s: no test passed", mode)
		}
	}
}

// goList runs go list in the current module and returns its output.
func goList(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// newClientCall matches the tests' calls of NewClient.
var newClientCall = regexp.MustCompile(`\bNewClient\(\)`)

// copyUpstream copies the package's source and its two test files into
// dir, the tests' calls of NewClient made calls of coopNewClient.
func copyUpstream(t *testing.T, from, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(from, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasSuffix(base, "_test.go") && base != "client_test.go" && base != "roundtripper_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(base, "_test.go") {
			b = newClientCall.ReplaceAll(b, []byte("coopNewClient()"))
		}
		writeFile(t, filepath.Join(dir, base), string(b))
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runSuite runs the suite in dir, offline, and returns each test's
// outcome by name ("pass", "fail" or "skip"); args go to go test.
func runSuite(dir string, observed bool, args ...string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-count=1", "-json"}, append(args, ".")...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if observed {
		cmd.Env = append(cmd.Env, "COOP_OBSERVE=1")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	results := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct{ Action, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Test != "" {
			if os.Getenv("COOP_UPSTREAM_DEBUG") != "" && ev.Action == "output" {
				fmt.Print(ev.Output)
			}
			switch ev.Action {
			case "pass", "fail", "skip":
				results[ev.Test] = ev.Action
			}
		}
	}
	if len(results) == 0 {
		return nil, fmt.Errorf("go test in %s: %v\n%s\n%s", dir, err, stderr.Bytes(), out)
	}
	return results, nil
}

// coopHelper is the throwaway package's extra test file.
const coopHelper = `package retryablehttp

import (
	"os"
	"testing"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/httpx/retry"
	"github.com/coop-go/coop/iox"
)

// coopNewClient is NewClient wired as retry.Wrap wires a client (this
// copy's types are not go-retryablehttp's, so it uses Wrap's wiring
// directly), with httpx's client as HTTPClient.
func coopNewClient() *Client {
	c := NewClient()
	c.HTTPClient = httpx.NewClient()
	w := retry.NewWiring(func() retry.Settings { return retry.Settings{c.RetryMax, c.RetryWaitMin, c.RetryWaitMax} },
		c.RequestLogHook, c.CheckRetry, c.Backoff, c.PrepareRetry)
	c.RequestLogHook, c.CheckRetry, c.Backoff, c.PrepareRetry = w.RequestLogHook, w.CheckRetry, w.Backoff, w.PrepareRetry
	return c
}

func TestMain(m *testing.M) {
	if os.Getenv("COOP_OBSERVE") != "" {
		// Every call is then reported, through httpx's full path.
		iox.Default().Observe(iox.ObserverFunc(func(iox.Event) {}))
	}
	os.Exit(m.Run())
}
`

// hclogStandIn is what the suite uses of go-hclog: a leveled logger
// writing to LoggerOptions.Output.
const hclogStandIn = `// Package hclog stands in for github.com/hashicorp/go-hclog in
// go-retryablehttp's tests: New and LoggerOptions.Output only.
package hclog

import (
	"fmt"
	"io"
	"os"
	"sync"
)

type LoggerOptions struct {
	Name   string
	Output io.Writer
}

type Logger interface {
	Debug(msg string, args ...interface{})
	Info(msg string, args ...interface{})
	Warn(msg string, args ...interface{})
	Error(msg string, args ...interface{})
}

func New(o *LoggerOptions) Logger {
	w := o.Output
	if w == nil {
		w = os.Stderr
	}
	return &logger{w: w}
}

type logger struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *logger) log(level, msg string, args []interface{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "[%s] %s", level, msg)
	for i := 0; i+1 < len(args); i += 2 {
		fmt.Fprintf(l.w, " %v=%v", args[i], args[i+1])
	}
	fmt.Fprintln(l.w)
}

func (l *logger) Debug(msg string, args ...interface{}) { l.log("DEBUG", msg, args) }
func (l *logger) Info(msg string, args ...interface{})  { l.log("INFO", msg, args) }
func (l *logger) Warn(msg string, args ...interface{})  { l.log("WARN", msg, args) }
func (l *logger) Error(msg string, args ...interface{}) { l.log("ERROR", msg, args) }
`
