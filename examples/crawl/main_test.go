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
