// Package ioxtest provides utilities for testing code that runs on the
// coop scheduler, as net/http/httptest does for net/http: a Recorder that
// keeps the events a scheduler reports, and WaitBlocked, which waits
// until a task is blocked in a given kind of call, the moment a test
// kills it or lets a scope expire, and WaitParked, which waits until a
// task waits outside any coop call.
package ioxtest

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/coop-go/coop/iox"
)

// A Recorder is an iox.Observer that keeps every event it observes.
// Register it with iox.WithObserver or Scheduler.Observe. Its zero value
// is ready to use; it is safe for concurrent use by multiple goroutines.
type Recorder struct {
	mu  sync.Mutex
	evs []iox.Event
}

// Observe keeps e.
func (r *Recorder) Observe(e iox.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
}

// Events returns the events kept so far, in the order their calls ended.
func (r *Recorder) Events() []iox.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

// Of returns the events of one kind, in the order their calls ended.
func (r *Recorder) Of(kind iox.OpKind) []iox.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []iox.Event
	for _, e := range r.evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// Reset forgets the events kept so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.evs = nil
	r.mu.Unlock()
}

// TB is the part of testing.TB that the helpers use.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Patience is how long WaitBlocked waits, on the machine's clock, before
// it fails the test.
var Patience = 30 * time.Second

// WaitBlocked waits until task t of s is blocked in a call of the given
// kind (any kind, if kind is 0), as s.Snapshot shows it, and returns the
// task's state then. It fails the test if t ends first, or if Patience
// passes. It polls, yielding in between (iox.Yield, so that in
// Cooperative mode the task it waits for gets the turn); inside a
// testing/synctest bubble, use synctest.Wait instead, since polling keeps
// the bubble's clock from advancing.
func WaitBlocked(tb TB, s *iox.Scheduler, t *iox.Task, kind iox.OpKind) iox.TaskState {
	tb.Helper()
	give := time.Now().Add(Patience)
	for i := 0; ; i++ {
		select {
		case <-t.Done():
			tb.Fatalf("ioxtest: task %v ended with %v before it blocked in %v", t, t.Err(), kindName(kind))
		default:
		}
		if st, ok := s.Snapshot().Task(t.ID()); ok && st.State == iox.Blocked && (kind == 0 || st.Op == kind) {
			return st
		}
		if i%64 == 63 && time.Now().After(give) {
			tb.Fatalf("ioxtest: task %v did not block in %v within %v:\n%v", t, kindName(kind), Patience, s.Snapshot())
		}
		if iox.Current() != nil {
			iox.Yield()
		} else {
			runtime.Gosched()
		}
	}
}

// WaitParked waits until task t of s waits outside any coop call, as
// s.Parked(0) finds it, and returns what Parked says of it then. It fails
// the test if t ends first, or if Patience passes. It polls as
// WaitBlocked does, and each poll takes a dump of every goroutine's stack
// (see iox.Scheduler.Parked).
func WaitParked(tb TB, s *iox.Scheduler, t *iox.Task) iox.Parked {
	tb.Helper()
	give := time.Now().Add(Patience)
	for {
		select {
		case <-t.Done():
			tb.Fatalf("ioxtest: task %v ended with %v before it waited outside coop", t, t.Err())
		default:
		}
		for _, p := range s.Parked(0) {
			if p.ID == t.ID() {
				return p
			}
		}
		if time.Now().After(give) {
			tb.Fatalf("ioxtest: task %v did not wait outside coop within %v:\n%v", t, Patience, s.Snapshot())
		}
		if iox.Current() != nil {
			iox.Yield()
		} else {
			runtime.Gosched()
		}
	}
}

func kindName(k iox.OpKind) string {
	if k == 0 {
		return "any call"
	}
	return fmt.Sprintf("a %v call", k)
}
