// Package deadline keeps the deadlines of streams that timeout scopes and
// kills move while calls are in flight: one Keeper per deadline (a conn's
// read deadline, its write deadline, a listener's), shared by netx's conns
// and iox's stream wrappers.
//
// # Why it is safe
//
// One real deadline serves every call in flight on the stream: two
// goroutines blocked in Accept on one listener, or in ReadFrom on one UDP
// socket, share it. A Keeper therefore keeps, under its lock, the deadline
// the user set and the calls in flight that moved the real one: a call
// whose own limit (the deadline of the timeout scope around it) is
// earlier than the user's, and a call cut short by a kill, which moves it
// into the past. The real deadline is always the earliest of the user's
// and the registered limits, or the past while an interrupted call is in
// flight; it is recomputed and applied, under the lock, whenever one of
// them changes, so a scope, a kill and the user's SetDeadline cannot undo
// each other.
//
// A call can thus time out because of another call: its neighbour's scope
// or kill moved the shared deadline. Spurious tells such a call apart
// from one whose own deadline passed, and gives it a channel to wait on
// until the deadline moves back; the caller retries. Every move the
// Keeper makes bumps a counter that a call reads when it starts, so a
// timeout that another call caused and undid before the victim looked is
// still recognised, and a timeout nobody explains (a keepalive failure
// also says Timeout) is never retried. Moving back to the user's deadline
// bumps it too: a call that started while another's interruption held the
// deadline, and timed out because of it, may look only after the move
// back.
package deadline

import (
	"sync"
	"sync/atomic"
	"time"
)

// past is a deadline in the past: applying it ends a blocked call.
var past = time.Unix(1, 0)

// A Keeper is one deadline of a stream. Set the field Apply before use.
// A Keeper is safe for concurrent use by multiple goroutines and must not
// be copied after first use.
type Keeper struct {
	// Apply sets the stream's real deadline.
	Apply func(time.Time) error

	moves  atomic.Uint64 // bumped each time the real deadline changes
	moving atomic.Bool   // some call in flight holds the real deadline off the user's

	mu          sync.Mutex
	user        time.Time // the user's deadline; zero: none
	calls       []entry   // calls in flight that moved the real deadline
	interrupted int       // how many of them were interrupted
	applied     time.Time // what Apply last set
	moved       bool      // applied is not the user's deadline
	changed     chan struct{}
}

// entry is one call in flight that moved the real deadline.
type entry struct {
	key         any       // the call's identity: its *iox.Op
	limit       time.Time // its own limit; zero: none
	interrupted bool
}

// User returns the deadline the user set, zero for none.
func (k *Keeper) User() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.user
}

// Real returns the deadline the keeper last applied to the stream: the
// user's whenever no call in flight holds it.
func (k *Keeper) Real() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.applied
}

// Set is the user's SetDeadline: the deadline from now on, for calls to
// come and the calls in flight, as package net's. The real deadline it
// applies is still the earliest of it and the limits of the calls in
// flight.
func (k *Keeper) Set(t time.Time) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.user = t
	if len(k.calls) == 0 {
		err := k.Apply(t)
		k.applied, k.moved = t, false
		k.moves.Add(1)
		k.notify()
		return err
	}
	return k.reapply(true)
}

// Moves returns a counter that changes whenever the real deadline does
// (moved off the user's, or back to it). A call reads it before it starts
// and hands it to Spurious: a change since then, or a move still in
// force, explains a timeout that was not the call's own.
func (k *Keeper) Moves() uint64 { return k.moves.Load() }

// Begin starts a call identified by key whose own limit is limit (zero:
// none). A call with a limit is registered, and the real deadline becomes
// the limit if that is the earliest. A call with none costs nothing here.
// Every Begin with a limit needs its End.
func (k *Keeper) Begin(key any, limit time.Time) {
	if limit.IsZero() {
		return
	}
	k.mu.Lock()
	if i := k.find(key); i >= 0 {
		k.calls[i].limit = limit // interrupted before it began
	} else {
		k.calls = append(k.calls, entry{key: key, limit: limit})
	}
	k.reapply(false)
	k.mu.Unlock()
}

// Interrupt cuts the call identified by key short, from any goroutine, by
// moving the real deadline into the past until that call ends. It may come
// before the call's Begin, never after its End (iox's interrupt protocol,
// Op.OnInterrupt and Op.Interrupted, guarantees both).
func (k *Keeper) Interrupt(key any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	i := k.find(key)
	if i < 0 {
		k.calls = append(k.calls, entry{key: key})
		i = len(k.calls) - 1
	}
	if !k.calls[i].interrupted {
		k.calls[i].interrupted = true
		k.interrupted++
	}
	k.reapply(false)
}

// End ends the call identified by key: if it had moved the real deadline
// (a limit, an interruption), the deadline is recomputed without it, and
// goes back to the user's when no other call holds it.
func (k *Keeper) End(key any) {
	if !k.moving.Load() {
		return // no call holds the deadline: one atomic load, no lock
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	i := k.find(key)
	if i < 0 {
		return
	}
	if k.calls[i].interrupted {
		k.interrupted--
	}
	last := len(k.calls) - 1
	k.calls[i] = k.calls[last]
	k.calls[last] = entry{}
	k.calls = k.calls[:last]
	k.reapply(false)
}

// Spurious is asked by a call that failed with a timeout: it reports
// whether the timeout was another call's doing, so that this call must
// retry, and if the real deadline is still held off, a channel closed when
// it moves again, to wait on before retrying. seen is what Moves returned
// before the call started; now is the time on the clock deadlines are
// measured by.
//
// A timeout is the call's own, and Spurious reports false, if the call was
// interrupted, or its own limit or the user's deadline has passed, or no
// move of the real deadline happened since the call started and none
// holds it now (nothing explains the timeout: the stream's own).
func (k *Keeper) Spurious(key any, seen uint64, now time.Time) (retry bool, wait <-chan struct{}) {
	k.mu.Lock()
	defer k.mu.Unlock()
	own := k.user
	if i := k.find(key); i >= 0 {
		e := k.calls[i]
		if e.interrupted {
			return false, nil
		}
		own = earliest(own, e.limit)
	}
	if !own.IsZero() && !now.Before(own) {
		return false, nil
	}
	held := k.moved && (k.interrupted > 0 || (!k.applied.IsZero() && (own.IsZero() || k.applied.Before(own))))
	if !held && k.moves.Load() == seen {
		return false, nil
	}
	if !held {
		return true, nil
	}
	if k.changed == nil {
		k.changed = make(chan struct{})
	}
	return true, k.changed
}

// find returns the index of key's entry, or -1; k.mu is held.
func (k *Keeper) find(key any) int {
	for i := range k.calls {
		if k.calls[i].key == key {
			return i
		}
	}
	return -1
}

// reapply computes the real deadline from the user's and the calls in
// flight and applies it if it changed (or always, if force); k.mu is held.
func (k *Keeper) reapply(force bool) error {
	t := k.user
	if k.interrupted > 0 {
		t = past
	} else {
		for _, e := range k.calls {
			t = earliest(t, e.limit)
		}
	}
	moved := !t.Equal(k.user)
	k.moving.Store(len(k.calls) > 0)
	if !force && t.Equal(k.applied) && moved == k.moved {
		return nil
	}
	// Apply first: a call that sees the new count, or is woken, must find
	// the stream's deadline already moved, or a timeout the old one
	// caused would look like its own.
	err := k.Apply(t)
	k.applied, k.moved = t, moved
	k.moves.Add(1)
	k.notify()
	return err
}

// notify wakes the calls waiting for the real deadline to move; k.mu is
// held.
func (k *Keeper) notify() {
	if k.changed != nil {
		close(k.changed)
		k.changed = nil
	}
}

// earliest returns the earlier of two deadlines, zero meaning none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
