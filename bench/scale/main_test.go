package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The measurements run this binary again as their child processes.
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "child-") {
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

// The measurements run end to end with small numbers and print their
// figures in the "name value unit" form the benchmark page reads.
func TestTimersSmall(t *testing.T) {
	var out strings.Builder
	if err := timers(&out, []string{"-n", "200", "-d", "1ms"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"timers/goroutines", "timers/tasks-Free", "timers/tasks-Cooperative"} {
		if !regexp.MustCompile(name + ` \d+\.\d+ s_wall`).MatchString(out.String()) {
			t.Errorf("no %s figure in:\n%s", name, out.String())
		}
	}
}

func TestHTTPSmall(t *testing.T) {
	var out strings.Builder
	if err := httpSeed(&out, []string{"-clients", "4", "-requests", "5", "-join", "10s"}); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`http/net-http/nokeepalive \d+ req/s`,
		`http/httpx-task/nokeepalive/join10s 20 finished_of 20`,
		`http/httpx-task/keepalive \d+ req/s`,
	} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("no %s in:\n%s", re, out.String())
		}
	}
}

func TestIdleSmall(t *testing.T) {
	var out strings.Builder
	if err := idle(&out, []string{"-total", "200", "-per", "100"}); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`idle/netx-task/200-conns/2-procs \d+ RSS-B/conn`).MatchString(out.String()) {
		t.Errorf("no idle figure in:\n%s", out.String())
	}
}
