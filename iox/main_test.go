package iox

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(raceChildEnv); mode != "" {
		racyCounter(mode) // a child process of TestFreeModeRaceIsReported
		return
	}
	goleak.VerifyTestMain(m)
}

// blockedIn returns the kind of the blocking call t is in, or 0. Call it
// after synctest.Wait, which orders it after the task's own writes.
func blockedIn(t *Task) OpKind {
	if op := t.g.cur.Load(); op != nil {
		return op.kind
	}
	return 0
}
