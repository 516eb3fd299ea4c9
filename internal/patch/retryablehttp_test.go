package patch

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestRetryablehttpSuite runs go-retryablehttp v0.7.8's own suite under
// coop test, in a copy of the module: the package and its dependencies
// (go-cleanhttp, go-hclog, x/sys) have their imports swapped, and every
// test passes. A test added to the copy shows that the suite's
// connections are netx's (and, without coop, that they are not).
//
// The copy differs from the module in two ways, both in test files: the
// one fixed port the suite listens on (28934, which other test runs on
// this machine may hold) is replaced by a free one, and the added test.
//
// While coop's httpx imports go-retryablehttp (for its retry client),
// go-retryablehttp and go-cleanhttp cannot be swapped (a swapped one
// would import httpx, which imports it): the test then checks that the
// report says so, and that the suite passes with them left as they are.
func TestRetryablehttpSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("go-retryablehttp's suite takes about 25s (its backoff waits are real)")
	}
	t.Parallel()
	cycle := httpxImportsRetryablehttp(t)
	mod := downloadModule(t, "github.com/hashicorp/go-retryablehttp@v0.7.8")
	dir := t.TempDir()
	copyTree(t, mod, dir)
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	suite := readFile(t, filepath.Join(dir, "client_test.go"))
	if strings.Count(suite, "28934") != 2 {
		t.Fatalf("client_test.go does not use port 28934 twice: is this v0.7.8?")
	}
	writeFile(t, filepath.Join(dir, "client_test.go"), strings.ReplaceAll(suite, "28934", port))
	if !cycle {
		writeFile(t, filepath.Join(dir, "coop_conns_test.go"), connsTest)
	}

	// The suite's slowest test waits out 15s of real backoff: it runs on
	// its own, beside the rest.
	const slow = "^TestRoundTripper_TransportFailureErrorHandling$"
	runs := [][]string{{"-run=" + slow}, {"-skip=" + slow}}
	outs, errss := make([]bytes.Buffer, len(runs)), make([]bytes.Buffer, len(runs))
	codes, errors := make([]int, len(runs)), make([]error, len(runs))
	// The first one's compile check, done once; the second finds its verdicts.
	first := testConfig(t, dir, "test", &outs[0], &errss[0], "-count=1", "-json", runs[0][0], ".")
	if _, err := Prepare(context.Background(), first); err != nil {
		t.Fatalf("coop test: %v\n%s", err, &errss[0])
	}
	errss[0].Reset()
	var wg sync.WaitGroup
	for i, args := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cfg := testConfig(t, dir, "test", &outs[i], &errss[i], append([]string{"-count=1", "-json"}, append(args, ".")...)...)
			cfg.Report = true
			codes[i], errors[i] = Run(context.Background(), cfg)
		}()
	}
	wg.Wait()
	results := map[string]string{}
	for i := range runs {
		if errors[i] != nil {
			t.Fatalf("coop test %v: %v\n%s", runs[i], errors[i], &errss[i])
		}
		maps.Copy(results, testResults(t, outs[i].Bytes()))
	}
	errs := &errss[1]
	t.Logf("coop test -report:\n%s", reportOf(errs.String()))
	var passed, failed []string
	for name, action := range results {
		switch action {
		case "pass":
			passed = append(passed, name)
		case "fail":
			failed = append(failed, name)
		}
	}
	slices.Sort(failed)
	t.Logf("go-retryablehttp v0.7.8's suite under coop test: %d tests and subtests, %d pass, %d fail %v", len(results), len(passed), len(failed), failed)
	if codes[0] != 0 || codes[1] != 0 || len(failed) > 0 || len(passed) < 70 {
		t.Errorf("coop test exited %v with %d passing, failing: %v\n%s\n%s", codes, len(passed), failed, &errss[0], errs)
	}

	report := parseReport(errs.String())
	if mustVerdict(t, report, "github.com/hashicorp/go-hclog").Verdict != "swapped" {
		t.Errorf("go-hclog is not swapped")
	}
	if cycle {
		for _, path := range []string{"github.com/hashicorp/go-retryablehttp", "github.com/hashicorp/go-cleanhttp"} {
			if v := mustVerdict(t, report, path); v.Verdict != "left" || !strings.Contains(v.Reason, "import cycle") {
				t.Errorf("%s is %s (%s), want left for the import cycle", path, v.Verdict, v.Reason)
			}
		}
		t.Skip("coop's httpx imports go-retryablehttp, so it and go-cleanhttp cannot be swapped: " +
			"the rest of this test waits for the retry client's move to httpx/retry (or set COOP_TEST_MODULE to a checkout with it moved)")
	}
	for _, path := range []string{"github.com/hashicorp/go-retryablehttp", "github.com/hashicorp/go-cleanhttp"} {
		if v := mustVerdict(t, report, path); v.Verdict != "swapped" {
			t.Errorf("%s is %s (%s), want swapped", path, v.Verdict, v.Reason)
		}
	}
	if results["TestCoopConnsAreNetx"] != "pass" {
		t.Errorf("TestCoopConnsAreNetx %s under coop test", results["TestCoopConnsAreNetx"])
	}
	// Without coop, the same test sees package net's conns.
	plain, err := goOutput(t, dir, "test", "-count=1", "-run=^TestCoopConnsAreNetx$", ".")
	if err == nil || !strings.Contains(plain, "*net.TCPConn") {
		t.Errorf("without coop, TestCoopConnsAreNetx should fail seeing *net.TCPConn:\n%s", plain)
	}
}

// connsTest is the test added to the copy: it makes a request with the
// suite's own client and looks at the connection and the transport.
const connsTest = `package retryablehttp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"testing"
)

func TestCoopConnsAreNetx(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var conn string
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { conn = fmt.Sprintf("%T", info.Conn) }}
	req, err := NewRequest("GET", srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	client := NewClient()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	transport := fmt.Sprintf("%T", client.HTTPClient.Transport)
	t.Logf("conn %s, transport %s", conn, transport)
	if conn != "*netx.TCPConn" || transport != "*httpx.Transport" {
		t.Errorf("conn %s, transport %s: want *netx.TCPConn and *httpx.Transport", conn, transport)
	}
}
`

// downloadModule returns the module cache's directory of a module
// version, downloading it through the module proxy if need be.
func downloadModule(t *testing.T, modVersion string) string {
	t.Helper()
	out, err := goOutput(t, ".", "mod", "download", "-json", modVersion)
	if err != nil {
		t.Fatalf("go mod download %s: %v\n%s", modVersion, err, out)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Dir == "" {
		t.Fatalf("go mod download %s: %v %s", modVersion, err, m.Error)
	}
	return m.Dir
}

// httpxImportsRetryablehttp reports whether coop's httpx, in the coop
// module the tests use, imports go-retryablehttp.
func httpxImportsRetryablehttp(t *testing.T) bool {
	t.Helper()
	out, err := goOutput(t, coopRoot(t), "list", "-deps", CoopModule+"/httpx")
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	return slices.Contains(strings.Fields(out), "github.com/hashicorp/go-retryablehttp")
}

// testResults returns each test's outcome in go test -json output.
func testResults(t *testing.T, out []byte) map[string]string {
	t.Helper()
	results := map[string]string{}
	for _, line := range bytes.Split(out, []byte("\n")) {
		var ev struct{ Action, Test string }
		if json.Unmarshal(line, &ev) != nil || ev.Test == "" {
			continue
		}
		switch ev.Action {
		case "pass", "fail", "skip":
			results[ev.Test] = ev.Action
		}
	}
	return results
}

// reportOf returns the lines of stderr that are coop's report.
func reportOf(stderr string) string {
	var b strings.Builder
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "coop:") || strings.HasPrefix(l, "  ") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
