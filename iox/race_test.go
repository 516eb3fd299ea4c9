package iox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const raceChildEnv = "IOX_RACE_CHILD"

// racyCounter runs tasks that update a counter with no lock, reading it
// before a blocking call and writing it after, in the given mode; it is
// the body of a child process.
func racyCounter(mode string) {
	m := Free
	if mode == "Cooperative" {
		m = Cooperative
	}
	s := New(WithMode(m), WithBlockingPolicy(ReportOnly)) // see TestCooperativeReadModifyWriteIsExact
	counter := 0
	var tasks []*Task
	for range 8 {
		tasks = append(tasks, s.Go(func(ctx context.Context) error {
			for range 200 {
				v := counter
				counter = v + 1
				Yield()
			}
			return nil
		}))
	}
	JoinAll(time.Minute, tasks...)
	s.Close()
	fmt.Println("counter", counter)
	os.Exit(0)
}

// The unlocked counter that Cooperative mode makes safe is a data race in
// Free mode, and the race detector says so: the happens-before edges come
// from the turn, not from anything else in the code.
func TestFreeModeRaceIsReported(t *testing.T) {
	if !raceEnabled {
		t.Skip("needs -race")
	}
	if testing.Short() {
		t.Skip("runs child processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode string
		race bool
	}{{"Free", true}, {"Cooperative", false}} {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), raceChildEnv+"="+tc.mode, "GORACE=halt_on_error=0")
		out, _ := cmd.CombinedOutput()
		if got := strings.Contains(string(out), "WARNING: DATA RACE"); got != tc.race {
			t.Errorf("%s mode: race reported = %v, want %v\n%s", tc.mode, got, tc.race, out)
		}
		if !strings.Contains(string(out), "counter ") {
			t.Errorf("%s mode: the child did not finish:\n%s", tc.mode, out)
		}
	}
}
