package timex_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coop-go/coop/iox"
)

func TestLegacyProgramInTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []string
		tk := iox.Spawn(func(ctx context.Context) error {
			var err error
			got, err = legacy()
			return err
		})
		if err := tk.Wait(); err != nil {
			t.Fatal(err)
		}
		if len(got) != 8 {
			t.Fatalf("legacy() in a task printed %q", got)
		}
	})
}

// The legacy program's waits, on the bubble's clock: a timer until 1ms, a
// ticker until 4ms, the reset ticker until 6ms, After until 7ms, Sleep
// until 8ms (then a raw channel wait for AfterFunc, which is no timer wait).
// A kill that lands inside any of them ends the task at once.
func TestLegacyProgramKillableAtEveryWait(t *testing.T) {
	for _, at := range []time.Duration{
		500 * time.Microsecond,  // <-timer.C
		1500 * time.Microsecond, // first <-ticker.C
		2500 * time.Microsecond, // second
		3500 * time.Microsecond, // third
		5 * time.Millisecond,    // <-ticker.C after Reset
		6500 * time.Microsecond, // <-time.After
		7500 * time.Microsecond, // time.Sleep
	} {
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				reason := errors.New("stop")
				tk := iox.Spawn(func(ctx context.Context) error {
					_, err := legacy()
					return err
				})
				time.Sleep(at)
				synctest.Wait() // the task is blocked in a wait
				start := time.Now()
				tk.Kill(reason)
				err := tk.Wait()
				if !errors.Is(err, iox.ErrKilled) || !errors.Is(err, reason) {
					t.Fatalf("killed at %v: task ended with %v, want the kill", at, err)
				}
				// A killed ticker ticks every 100µs for 1ms, not at once
				// (a loop of raw receives would storm): the program's
				// raw receives end within that; no wait's own duration
				// elapses.
				if d := time.Since(start); d > time.Millisecond {
					t.Fatalf("killed at %v: the task took %v of the clock to end", at, d)
				}
			})
		})
	}
}
