// Package eventlog is an iox observer that keeps every event, for the
// tests of the packages above iox.
package eventlog

import (
	"sync"

	"github.com/coop-go/coop/iox"
)

// A Log keeps every event it observes. Its zero value is ready to use; it
// is safe for concurrent use by multiple goroutines.
type Log struct {
	mu  sync.Mutex
	evs []iox.Event
}

// Observe keeps e.
func (l *Log) Observe(e iox.Event) {
	l.mu.Lock()
	l.evs = append(l.evs, e)
	l.mu.Unlock()
}

// Of returns the events of one kind, in the order they ended.
func (l *Log) Of(kind iox.OpKind) []iox.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []iox.Event
	for _, e := range l.evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}
