package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coop-go/coop/httpx"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCrawl(t *testing.T) {
	undo := httpx.PatchDefault()
	defer undo()
	srv, err := startServer(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var out strings.Builder
	if err := crawl(&out, srv.urls, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	t.Logf("\n%s", got)
	for _, u := range srv.urls {
		if !strings.Contains(got, "Starting "+u+"\n") {
			t.Errorf("no Starting line for %s", u)
		}
	}
	for _, page := range []string{"alpha", "beta", "gamma"} {
		if !regexp.MustCompile(`/` + page + `: \d+ bytes: "<html><head><title>` + page).MatchString(got) {
			t.Errorf("no size and head for /%s", page)
		}
	}
	if !strings.Contains(got, "3 of 4 finished within 300ms") {
		t.Errorf("the summary does not say 3 of 4 finished")
	}
	if !regexp.MustCompile(`/slow did not finish: blocked in (roundtrip|read) on .* for \d+ms; killing it`).MatchString(got) {
		t.Errorf("no line on the slow page blocked in its round trip")
	}
	if !regexp.MustCompile(`/slow: .*iox: task killed: too slow`).MatchString(got) {
		t.Errorf("the slow task did not end with the kill")
	}
}

// TestCLI runs the command as a user would, through its arguments: -h,
// each flag with a bad value, a fetch that fails, and a crawl that works.
func TestCLI(t *testing.T) {
	srv, err := startServer(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	base := strings.TrimSuffix(srv.urls[0], "/alpha")
	tests := []struct {
		args       []string
		code       int
		stdout     string // a substring of it, if not ""
		stderr     string
		notStarted bool // no URL may be fetched
	}{
		{args: []string{"-h"}, code: 0, stdout: "usage: crawl", notStarted: true},
		{args: []string{"-help"}, code: 0, stdout: "-timeout", notStarted: true},
		{args: []string{"-timeout", "soon"}, code: 2, stderr: `invalid value "soon" for flag -timeout`, notStarted: true},
		{args: []string{"-timeout", "0s", base + "/alpha"}, code: 2, stderr: "crawl: -timeout must be positive", notStarted: true},
		{args: []string{"-timeout", "-1s", base + "/alpha"}, code: 2, stderr: "-timeout", notStarted: true},
		{args: []string{"-depth", "3"}, code: 2, stderr: "flag provided but not defined: -depth", notStarted: true},
		{args: []string{"bogus://nowhere"}, code: 1, stdout: "bogus://nowhere failed: ", stderr: "crawl: 1 of 1 fetches failed"},
		{args: []string{base + "/alpha", base + "/missing"}, code: 1, stdout: "/missing failed: GET " + base + "/missing: 404 Not Found", stderr: "crawl: 1 of 2 fetches failed"},
		{args: []string{"-timeout", "1m", base + "/alpha", base + "/beta"}, code: 0, stdout: "2 of 2 finished within 1m0s"},
		{args: []string{"-live", "127.0.0.1:0", base + "/alpha"}, code: 0, stdout: "1 of 1 finished", stderr: "live: http://127.0.0.1:"},
		{args: []string{"-live", "127.0.0.1:-1", base + "/alpha"}, code: 2, stderr: "crawl: -live: ", notStarted: true},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		code := cli(tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("crawl %s: exit %d, want %d, with %q on stdout and %q on stderr; got\nstdout:\n%s\nstderr:\n%s",
				strings.Join(tt.args, " "), code, tt.code, tt.stdout, tt.stderr, stdout.String(), stderr.String())
		}
		if tt.notStarted && strings.Contains(stdout.String(), "Starting") {
			t.Errorf("crawl %s fetched a page:\n%s", strings.Join(tt.args, " "), stdout.String())
		}
	}
}
