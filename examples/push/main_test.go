package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out strings.Builder
	cfg := config{clients: 40, slow: 2, duration: 1500 * time.Millisecond, rate: 100, size: 4096, writeTimeout: 100 * time.Millisecond, status: 300 * time.Millisecond}
	if err := run(&out, cfg); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Logf("\n%s", got)
	if !strings.Contains(got, "dropped 2 slow clients") {
		t.Errorf("the two clients that never read were not dropped:\n%s", got)
	}
	m := regexp.MustCompile(`delivered (\d+) lines .*: (\d+) lines/s; latency p50 ([^,]+), p99 ([^,]+),`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no summary line:\n%s", got)
	}
	delivered, _ := strconv.Atoi(m[1])
	// 40 clients × about 150 lines; allow for the ticker's start and end.
	if delivered < 40*100 || delivered > 40*151 {
		t.Errorf("delivered %d lines, want about %d", delivered, 40*150)
	}
	for _, q := range m[3:] {
		if d, err := time.ParseDuration(q); err != nil || d <= 0 || d > time.Second {
			t.Errorf("latency %q is not a sane duration", q)
		}
	}
	if n := strings.Count(got, "| delivered/s "); n < 2 {
		t.Errorf("%d status lines, want one every 300ms", n)
	}
	if !regexp.MustCompile(`tasks \d+ \(blocked: .*\d+ read`).MatchString(got) {
		t.Errorf("status lines lack the task states:\n%s", got)
	}
}

func TestLatencies(t *testing.T) {
	l := newLatencies()
	for i := 1; i <= 100; i++ {
		l.add(time.Duration(i) * time.Millisecond)
	}
	p50, p99 := l.quantile(0.5), l.quantile(0.99)
	if p50 < 45*time.Millisecond || p50 > 56*time.Millisecond || p99 < 95*time.Millisecond || p99 > 110*time.Millisecond {
		t.Fatalf("p50 = %v, p99 = %v for 1..100ms", p50, p99)
	}
}
