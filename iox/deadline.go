package iox

import (
	"sync"
	"sync/atomic"
	"time"
)

// aLongTimeAgo is a deadline in the past: setting it ends a blocked call.
var aLongTimeAgo = time.Unix(1, 0)

// A StreamDeadline is one deadline of a stream that has one (a conn's read
// or write deadline, a pipe's): it keeps the deadline its user sets, with
// package net's semantics, while timeout scopes and kills move the real
// one during calls through the door. Shims keep one per direction and
// call it around each call:
//
//	moved := d.Begin(op) // the scope's deadline, if earlier; arms the kill
//	n, err := real.Read(p)
//	d.End(op, moved)     // the user's deadline back
//
// Set the field Apply (the stream's SetReadDeadline, say) before use. The
// user's deadline is read without a lock on the path where nothing moves;
// moving the real deadline (an earlier scope, a kill, the user's own
// change during a call) goes under a lock, so that the three cannot undo
// each other. A StreamDeadline is safe for concurrent use by multiple
// goroutines and must not be copied after first use.
type StreamDeadline struct {
	// Apply sets the stream's real deadline.
	Apply func(time.Time) error

	user atomic.Int64 // unix nanoseconds; 0: no deadline

	mu     sync.Mutex
	scope  time.Time // the deadline the call in flight keeps, if earlier than the user's
	killed bool      // the call in flight was interrupted
}

// User returns the deadline the user set, zero for none.
func (d *StreamDeadline) User() time.Time {
	if ns := d.user.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// Set is the user's SetReadDeadline (or its kin): the deadline from now
// on, applied at once unless a call in flight keeps an earlier one or was
// interrupted.
func (d *StreamDeadline) Set(t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if t.IsZero() {
		d.user.Store(0)
	} else {
		d.user.Store(t.UnixNano())
	}
	switch {
	case d.killed:
		return nil // stays in the past until the interrupted call ends
	case !d.scope.IsZero() && (t.IsZero() || d.scope.Before(t)):
		return d.Apply(d.scope)
	}
	return d.Apply(t)
}

// Begin prepares the real deadline for a call made through op (see
// Prepare) and arms op's interrupter with d. It reports whether the real
// deadline was moved.
func (d *StreamDeadline) Begin(op *Op) bool {
	moved := d.Prepare(op)
	op.OnInterrupt(d)
	return moved
}

// Prepare moves the real deadline to the scope's, if that is earlier than
// the user's, and reports whether it did. Use it instead of Begin when one
// call spans two streams and one interrupter covers both.
func (d *StreamDeadline) Prepare(op *Op) bool {
	user := d.User()
	dl := op.Deadline(user)
	if dl.Equal(user) {
		return false
	}
	d.mu.Lock()
	d.scope = dl
	d.Apply(dl)
	d.mu.Unlock()
	return true
}

// End puts the user's deadline back after a call whose deadline Begin
// moved or that a kill interrupted.
func (d *StreamDeadline) End(op *Op, moved bool) {
	if op.Interrupted() || moved {
		d.Restore()
	}
}

// Restore puts the user's deadline back.
func (d *StreamDeadline) Restore() {
	d.mu.Lock()
	d.scope, d.killed = time.Time{}, false
	d.Apply(d.User())
	d.mu.Unlock()
}

// Interrupt cuts the call in flight short by moving the real deadline
// into the past: the task making it was killed.
func (d *StreamDeadline) Interrupt() {
	d.mu.Lock()
	d.killed = true
	d.Apply(aLongTimeAgo)
	d.mu.Unlock()
}
