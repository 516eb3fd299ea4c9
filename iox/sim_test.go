package iox

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coop-go/coop/internal/simworld"
)

// A Simulated scheduler outside a world panics with a message.
func TestSimulatedNeedsAWorld(t *testing.T) {
	if simworld.Quiesce() != nil {
		t.Skip("a world was made in this process already")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "sim.Test") {
			t.Fatalf("New(Simulated) outside a world: %v", r)
		}
	}()
	New(WithMode(Simulated))
}

// simRun runs tasks on a Simulated scheduler with the given seed and
// returns the order of their steps. Each task appends to a shared log
// with no lock: the turn is the lock.
func simRun(t *testing.T, seed uint64) string {
	simworld.SetQuiesce(synctest.Wait)
	var out string
	synctest.Test(t, func(t *testing.T) {
		s := New(WithMode(Simulated), WithSeed(seed))
		var log []string
		var tasks []*Task
		for i := range 4 {
			tasks = append(tasks, s.Go(func(ctx context.Context) error {
				for j := range 3 {
					log = append(log, fmt.Sprintf("%d.%d@%v", i, j, time.Since(simEpoch)))
					switch j {
					case 0:
						Yield()
					case 1:
						Sleep(time.Duration(i%2) * time.Millisecond)
					}
				}
				return nil
			}))
		}
		// A raw timer receive wakes alone, in the world's order too.
		tasks = append(tasks, s.Go(func(ctx context.Context) error {
			<-NewTimer(time.Millisecond).C
			log = append(log, fmt.Sprintf("timer@%v", time.Since(simEpoch)))
			return nil
		}))
		for _, tk := range tasks {
			tk.Wait()
		}
		s.Close()
		out = strings.Join(log, " ")
	})
	return out
}

var simEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func TestSimulatedIsDeterministicBySeed(t *testing.T) {
	first := simRun(t, 7)
	for range 10 {
		if got := simRun(t, 7); got != first {
			t.Fatalf("seed 7 gave two orders:\n%s\n%s", first, got)
		}
	}
	seen := map[string]bool{}
	for seed := range uint64(20) {
		seen[simRun(t, seed)] = true
	}
	if len(seen) < 10 {
		t.Fatalf("20 seeds gave %d orders, want the order to vary", len(seen))
	}
	t.Logf("seed 7: %s", first)
}
