package netx

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/iox"
)

// aLongTimeAgo is a deadline in the past: setting it ends a blocked call.
var aLongTimeAgo = time.Unix(1, 0)

// side is one deadline of a conn (read or write) or of a listener: it
// keeps the user's deadline with package net's semantics while timeout
// scopes and kills move the real one.
//
// The user's deadline is kept in an atomic so that a call with nothing to
// move reads it without a lock; moving the real deadline (a scope that
// expires first, a kill, the user's own change during a call) goes under
// mu, so that the three cannot undo each other.
type side struct {
	set  func(time.Time) error
	user atomic.Int64 // unix nanoseconds; 0: no deadline

	mu     sync.Mutex
	scope  time.Time // the deadline the call in flight has to keep, if earlier than the user's
	killed bool      // the call in flight was interrupted
}

func (s *side) userDeadline() time.Time {
	if ns := s.user.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// setUser is SetReadDeadline (or its kin): the user's deadline from now
// on, applied at once unless a call in flight keeps an earlier one.
func (s *side) setUser(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.IsZero() {
		s.user.Store(0)
	} else {
		s.user.Store(t.UnixNano())
	}
	switch {
	case s.killed:
		return nil // stays in the past until the interrupted call ends
	case !s.scope.IsZero() && (t.IsZero() || s.scope.Before(t)):
		return s.set(s.scope)
	}
	return s.set(t)
}

// begin prepares the real deadline for a call made through op and arms
// the kill interrupter; it reports whether the real deadline was moved.
func (s *side) begin(op *iox.Op) bool {
	moved := s.prepare(op)
	op.OnInterrupt(s)
	return moved
}

// prepare moves the real deadline to the scope's, if that is earlier than
// the user's, and reports whether it did.
func (s *side) prepare(op *iox.Op) bool {
	user := s.userDeadline()
	dl := op.Deadline(user)
	if dl.Equal(user) {
		return false
	}
	s.mu.Lock()
	s.scope = dl
	s.set(dl)
	s.mu.Unlock()
	return true
}

// end puts the user's deadline back after a call whose deadline was moved
// or that was interrupted.
func (s *side) end(op *iox.Op, moved bool) {
	if op.Interrupted() || moved {
		s.restore()
	}
}

func (s *side) restore() {
	s.mu.Lock()
	s.scope, s.killed = time.Time{}, false
	s.set(s.userDeadline())
	s.mu.Unlock()
}

// sides interrupts two sides at once: a copy between two conns.
type sides [2]*side

func (ss sides) Interrupt() {
	for _, s := range ss {
		if s != nil {
			s.Interrupt()
		}
	}
}

// Interrupt cuts the call in flight short: the task making it was killed.
func (s *side) Interrupt() {
	s.mu.Lock()
	s.killed = true
	s.set(aLongTimeAgo)
	s.mu.Unlock()
}
