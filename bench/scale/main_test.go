package main

import (
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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
