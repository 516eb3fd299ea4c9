package iox_test

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// lineBelow returns the file:line of the line n lines below its call.
func lineBelow(n int) string {
	_, file, line, _ := runtime.Caller(1)
	return fmt.Sprintf("%s:%d", file, line+n)
}

// A task in a raw channel receive, one in the Lock of a sync.Mutex held
// elsewhere and one in a raw time.Sleep are each reported by Parked, with
// the line of their own code that waits; tasks in coop calls are not, in
// Free and in Cooperative mode.
func TestParked(t *testing.T) {
	for _, mode := range []iox.Mode{iox.Free, iox.Cooperative} {
		t.Run(mode.String(), func(t *testing.T) {
			// In Cooperative mode a task that waits outside coop keeps the
			// turn until the watchdog hands it over: soon, here.
			s := iox.New(iox.WithMode(mode), iox.WithMaxBlocking(5*time.Millisecond), iox.WithLog(io.Discard))
			never := make(chan int)
			var mu sync.Mutex
			mu.Lock()
			var stop atomic.Bool
			defer func() {
				close(never)
				mu.Unlock()
				stop.Store(true)
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			}()
			at := make(chan string, 3)
			recv := s.Go(func(ctx context.Context) error {
				at <- lineBelow(1)
				<-never
				return nil
			}).SetName("raw recv")
			lock := s.Go(func(ctx context.Context) error {
				at <- lineBelow(1)
				mu.Lock()
				defer mu.Unlock()
				return nil
			}).SetName("raw lock")
			sleep := s.Go(func(ctx context.Context) error {
				at <- lineBelow(2)
				for !stop.Load() {
					time.Sleep(time.Millisecond) // it sleeps almost all the time
				}
				return nil
			}).SetName("raw sleep")
			coopSleep := s.Go(func(ctx context.Context) error {
				iox.Sleep(time.Hour)
				return nil
			}).SetName("coop sleep")
			coopRecv := s.Go(func(ctx context.Context) error {
				iox.Recv(never)
				return nil
			}).SetName("coop recv")
			lines := map[string]bool{<-at: true, <-at: true, <-at: true}

			for _, tc := range []struct {
				task *iox.Task
				wait string
			}{{recv, "chan receive"}, {lock, "sync.Mutex.Lock"}, {sleep, "sleep"}} {
				p := ioxtest.WaitParked(t, s, tc.task)
				if p.Wait != tc.wait || !lines[p.At] || !strings.HasPrefix(p.Func, "github.com/coop-go/coop/iox_test.TestParked.") ||
					p.Name != tc.task.Name() || !strings.Contains(p.Stack, p.Func) {
					t.Errorf("Parked says of %v: %+v; want it in %s at one of %v", tc.task, p, tc.wait, lines)
				}
				want := fmt.Sprintf("task %d '%s' in %s at %s, outside coop for ", tc.task.ID(), tc.task.Name(), tc.wait, p.At)
				if got := p.String(); !strings.HasPrefix(got, want) {
					t.Errorf("String() = %q, want %q...", got, want)
				}
				if p.Quiet <= 0 {
					t.Errorf("%v made no coop call, yet its Quiet is %v", tc.task, p.Quiet)
				}
			}
			ioxtest.WaitBlocked(t, s, coopSleep, iox.OpSleep)
			ioxtest.WaitBlocked(t, s, coopRecv, iox.OpRecv)
			for _, p := range s.Parked(0) {
				if p.ID == coopSleep.ID() || p.ID == coopRecv.ID() {
					t.Errorf("a task in a coop call is reported as parked outside coop: %v", p)
				}
			}
			if got := s.Parked(time.Hour); len(got) != 0 {
				t.Errorf("Parked(time.Hour) = %v, want none: no task is that old", got)
			}
		})
	}
}

// In Cooperative mode a task that waits outside coop while it holds the
// turn is parked; a task waiting for the turn it holds is not.
func TestParkedHoldingTheTurn(t *testing.T) {
	s := iox.New(iox.WithMode(iox.Cooperative), iox.WithBlockingPolicy(iox.ReportOnly), iox.WithLog(io.Discard))
	never := make(chan int)
	defer func() {
		close(never)
		s.Close()
	}()
	started := make(chan struct{})
	holder := s.Go(func(ctx context.Context) error {
		close(started)
		<-never // keeps the turn: the policy only reports
		return nil
	}).SetName("holder")
	<-started
	waiter := s.Go(func(ctx context.Context) error { return nil }).SetName("waiter")
	p := ioxtest.WaitParked(t, s, holder)
	if p.Wait != "chan receive" {
		t.Errorf("the holder is parked in %q, want chan receive", p.Wait)
	}
	if st, ok := s.Snapshot().Task(waiter.ID()); !ok || st.State != iox.Runnable {
		t.Fatalf("the waiter is %v, want runnable", st.State)
	}
	for _, p := range s.Parked(0) {
		if p.ID == waiter.ID() {
			t.Errorf("a task waiting for the turn is reported as parked outside coop: %v", p)
		}
	}
}

// A task that has made coop calls is quiet since the last one ended.
func TestParkedQuiet(t *testing.T) {
	s := iox.New()
	never := make(chan int)
	defer func() {
		close(never)
		s.Close()
	}()
	started := time.Now()
	tk := s.Go(func(ctx context.Context) error {
		iox.Sleep(time.Millisecond)
		<-never
		return nil
	})
	p := ioxtest.WaitParked(t, s, tk)
	if age := time.Since(started); p.Quiet <= 0 || p.Quiet >= age {
		t.Errorf("Quiet %v, want more than 0 and less than the %v since before the task started", p.Quiet, age)
	}
	if !regexp.MustCompile(`^goroutine \d+ \[chan receive`).MatchString(p.Stack) {
		t.Errorf("Stack does not start with the goroutine's header:\n%s", p.Stack)
	}
}
