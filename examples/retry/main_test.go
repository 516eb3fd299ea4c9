package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out, 20*time.Millisecond, 80*time.Millisecond); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Logf("\n%s", got)
	for _, re := range []string{
		`attempt 1: GET 127\.0\.0\.1:\d+ -> 503`,
		`attempt 2: GET 127\.0\.0\.1:\d+ -> 503`,
		`attempt 3: GET 127\.0\.0\.1:\d+ -> 200`,
		`waited \d+ms after attempt 1 \(503\), asked for 20ms, then retried`,
		`waited \d+ms after attempt 2 \(503\), asked for 40ms, then retried`,
		`got 200 OK "finally\\n" after 3 attempts`,
		// Retry-After: 3600 capped at RetryWaitMax, and cut short by the kill.
		`after attempt 1 \(503\), asked for 80ms, cut short: iox: task killed: shutting down`,
		`ended .* after the kill: .*iox: task killed: shutting down`,
		`attempts made: 1\n`,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("output lacks %s", re)
		}
	}
}
