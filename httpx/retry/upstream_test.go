package retry

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// upstreamFailures are the tests of go-retryablehttp v0.7.8's own suite
// that fail with httpx's client, by name, with the reason. There are
// none: all 75 (32 tests and their subtests) pass in both runs. The suite
// runs twice, side by side: as is (nothing in force, so httpx goes
// straight to net/http), and with an observer on iox.Default, which makes
// every request, body read, dial and conn read or write a reported
// blocking call. Set COOP_UPSTREAM_DEBUG=1 to see the suite's output.
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
//
// Two things of the copy are patched so that it is hermetic and quick
// (see patchUpstream): TestClient_Do's fixed port 28934 becomes a port of
// its own that nothing else can take, and NewClient's default backoff
// (1 s doubling to 30 s, go-retryablehttp's own timers, not coop's) is
// shortened to the 10 ms to 50 ms the suite itself uses where it sets
// one. It is slow all the same (a test binary built and run twice, about
// 10 s), hence skipped under -short.
func TestUpstreamRetryableHTTPSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs go-retryablehttp's suite twice, about 10 s")
	}
	upstream := goList(t, "-m", "-f", "{{.Dir}}", "github.com/hashicorp/go-retryablehttp")
	root := goList(t, "-m", "-f", "{{.Dir}}")
	if upstream == "" {
		t.Fatal("go-retryablehttp is not in the module cache: run go mod download")
	}
	dir := t.TempDir()
	copyUpstream(t, upstream, dir)
	writeFile(t, filepath.Join(dir, "coop_test.go"), coopHelper)
	writeFile(t, filepath.Join(dir, "coop_addr_linux_test.go"), coopAddrLinux)
	writeFile(t, filepath.Join(dir, "coop_addr_other_test.go"), coopAddrOther)
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

	// Build the test binary once; the two runs share it.
	bin := filepath.Join(dir, "upstream.test")
	if out, err := suiteCommand(dir, false, "go", "test", "-c", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the suite: %v\n%s", err, out)
	}
	modes := []string{"as is", "observed"}
	results := make([]map[string]string, len(modes))
	errs := make(chan error, len(modes))
	for i := range modes {
		go func() {
			var err error
			results[i], err = runSuite(dir, bin, i == 1)
			errs <- err
		}()
	}
	for range modes {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
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
		if results[i]["TestClient_Do"] != "pass" {
			t.Errorf("%s: TestClient_Do, the test on a port of its own, %s", mode, cmp.Or(results[i]["TestClient_Do"], "did not run"))
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
// dir, the test files patched by patchUpstream.
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
			if b, err = patchUpstream(base, b); err != nil {
				t.Fatal(err)
			}
		}
		writeFile(t, filepath.Join(dir, base), string(b))
	}
}

// portEdits make testClientDo, the body of TestClient_Do, use an address
// of its own (coopAddr, one per call) where it had 127.0.0.1:28934: the
// fixed port made the test fail whenever another process listened there,
// its first request answered by that process before the test's own
// server existed.
var portEdits = []struct{ old, new string }{
	{"func testClientDo(t *testing.T, body interface{}) {\n", "func testClientDo(t *testing.T, body interface{}) {\n\taddr := coopAddr(t)\n"},
	{`"http://127.0.0.1:28934/v1/foo"`, `"http://"+addr+"/v1/foo"`},
	{`net.Listen("tcp", ":28934")`, `net.Listen("tcp", addr)`},
}

// patchUpstream returns the test file name with its calls of NewClient
// made calls of coopNewClient and, in client_test.go, the port edits.
// Each edit must apply exactly once and no fixed port may be left, so a
// new release of the suite that moves things fails here, saying so,
// rather than running with a fixed port again.
func patchUpstream(name string, src []byte) ([]byte, error) {
	s := newClientCall.ReplaceAllString(string(src), "coopNewClient()")
	if name == "client_test.go" {
		for _, e := range portEdits {
			if n := strings.Count(s, e.old); n != 1 {
				return nil, fmt.Errorf("%s: %q appears %d times, want once: update portEdits for this release of go-retryablehttp", name, e.old, n)
			}
			s = strings.Replace(s, e.old, e.new, 1)
		}
	}
	if m := fixedPort.FindStringSubmatch(s); m != nil {
		return nil, fmt.Errorf("%s: %q is a fixed port: give the test an address of its own (coopAddr) in portEdits", name, m[1])
	}
	return []byte(s), nil
}

// fixedPort matches a literal TCP address in a test's source, "host:port"
// or ":port" with a port other than 0, and captures it.
var fixedPort = regexp.MustCompile(`"((?:[0-9]+(?:\.[0-9]+){3}|\[[0-9a-fA-F:.]*\]|[a-z][a-z0-9.-]*)?:[1-9][0-9]{0,4})\b`)

// patchUpstream applies the port edits exactly once, and refuses a file
// in which one is missing or a fixed port is left.
func TestPatchUpstream(t *testing.T) {
	const doTest = "func testClientDo(t *testing.T, body interface{}) {\n" +
		"\treq, err := NewRequest(\"PUT\", \"http://127.0.0.1:28934/v1/foo\", body)\n" +
		"\tclient := NewClient()\n" +
		"\tlist, err := net.Listen(\"tcp\", \":28934\")\n}\n"
	got, err := patchUpstream("client_test.go", []byte(doTest))
	if err != nil {
		t.Fatalf("patchUpstream(TestClient_Do) = %v", err)
	}
	for _, want := range []string{"\taddr := coopAddr(t)\n", `"http://"+addr+"/v1/foo"`, `net.Listen("tcp", addr)`, "coopNewClient()"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("patched TestClient_Do lacks %s:\n%s", want, got)
		}
	}
	for _, tt := range []struct{ name, src, want string }{
		{"client_test.go", strings.Replace(doTest, `net.Listen("tcp", ":28934")`, `net.Listen("tcp", ":28935")`, 1), "appears 0 times"},
		{"client_test.go", doTest + doTest, "appears 2 times"},
		{"roundtripper_test.go", "ts := listen(\"localhost:8080\")\n", `"localhost:8080" is a fixed port`},
	} {
		if _, err := patchUpstream(tt.name, []byte(tt.src)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("patchUpstream(%s, %q) = %v, want an error with %q", tt.name, tt.src, err, tt.want)
		}
	}
	if _, err := patchUpstream("roundtripper_test.go", []byte(`url := "http://999.999.999.999:999/"`+"\n"+`now := "23:59:59"`)); err != nil {
		t.Errorf("patchUpstream of an unroutable URL and a time: %v", err)
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

// suiteCommand is a command run in the throwaway module dir, offline.
func suiteCommand(dir string, observed bool, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if observed {
		cmd.Env = append(cmd.Env, "COOP_OBSERVE=1")
	}
	return cmd
}

// runSuite runs the suite's test binary bin in dir and returns each
// test's outcome by name ("pass", "fail" or "skip").
func runSuite(dir, bin string, observed bool) (map[string]string, error) {
	cmd := suiteCommand(dir, observed, "go", "tool", "test2json", "-t", bin, "-test.v=test2json", "-test.count=1", "-test.timeout=5m")
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
		return nil, fmt.Errorf("the suite in %s: %v\n%s\n%s", dir, err, stderr.Bytes(), out)
	}
	return results, nil
}

// coopHelper is the throwaway package's extra test file.
const coopHelper = `package retryablehttp

import (
	"os"
	"testing"
	"time"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/httpx/retry"
	"github.com/coop-go/coop/iox"
)

// coopNewClient is NewClient wired as retry.Wrap wires a client (this
// copy's types are not go-retryablehttp's, so it uses Wrap's wiring
// directly), with httpx's client as HTTPClient, and the short backoff the
// suite sets itself where it sets one: the default's 1 s doubling to 30 s
// makes two tests wait 18 s, which tests nothing of httpx's. A test that
// sets its own waits after the call still has them: the wiring reads them
// at each use.
func coopNewClient() *Client {
	c := NewClient()
	c.HTTPClient = httpx.NewClient()
	c.RetryWaitMin, c.RetryWaitMax = 10*time.Millisecond, 50*time.Millisecond
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

// coopAddrLinux is coopAddr on Linux: the port is held, for the whole
// test, by a socket bound with SO_REUSEADDR that never listens. Dials to
// it are refused (what TestClient_Do's first requests must see), the
// test's own net.Listen there succeeds (Go's listeners set SO_REUSEADDR
// too, and Linux lets a reusing socket bind next to one that is not
// listening), and no other socket can take it meanwhile: an explicit bind
// without SO_REUSEADDR conflicts, and neither bind(0) nor connect picks a
// port that is bound. coopAddr checks the first two before it returns.
const coopAddrLinux = `package retryablehttp

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
)

// coopAddr returns a loopback host:port on which nothing listens and that
// no other process can take until the test ends.
func coopAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("coopAddr: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		t.Fatalf("coopAddr: %v", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("coopAddr: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("coopAddr: %v", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatalf("coopAddr: a dial to the held port %s was answered", addr)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("coopAddr: a dial to the held port %s: %v, want connection refused", addr, err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("coopAddr: the test could not listen on the held port: %v", err)
	}
	l.Close()
	return addr
}
`

// coopAddrOther is coopAddr elsewhere: a port the system just handed out
// and freed, which another process could take before the test listens.
const coopAddrOther = `//go:build !linux

package retryablehttp

import (
	"net"
	"testing"
)

// coopAddr returns a loopback host:port on which nothing listens.
func coopAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("coopAddr: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
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
