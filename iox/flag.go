package iox

import (
	"sync"
)

// A Flag is a boolean that tasks can wait for, as gevent.event.Event (and
// Python's threading.Event): Set raises it and wakes every waiter, Clear
// lowers it, Wait blocks until it is raised. (It is not called Event
// because Event is what every blocking call ends as.)
//
// The zero value is a lowered flag. A Flag is safe for concurrent use by
// multiple goroutines and must not be copied after first use.
type Flag struct {
	mu sync.Mutex
	up bool
	ch chan struct{} // closed when the flag is raised; nil until needed
}

// Set raises the flag and wakes every task waiting for it.
func (f *Flag) Set() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.up {
		return
	}
	f.up = true
	if f.ch != nil {
		close(f.ch)
	}
}

// Clear lowers the flag; later waits block until it is raised again.
func (f *Flag) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.up {
		f.up = false
		f.ch = nil
	}
}

// IsSet reports whether the flag is raised.
func (f *Flag) IsSet() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.up
}

// wait returns a channel closed when the flag is up.
func (f *Flag) wait() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.up {
		return closedChan
	}
	if f.ch == nil {
		f.ch = make(chan struct{})
	}
	return f.ch
}

// Wait blocks until the flag is raised, as a blocking call: it releases the
// turn, and a kill or an expired timeout scope unwinds it, as Sleep does.
// It returns at once if the flag is up.
func (f *Flag) Wait() {
	waitChan(current(), waitUnwinds, OpFlag, "", f.wait())
}
