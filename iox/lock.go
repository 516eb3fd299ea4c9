package iox

import (
	"sync"
	"sync/atomic"
	"time"
)

// Lock locks mu as a blocking call: while it waits for a lock another
// goroutine holds, it releases the turn (Cooperative mode), and a kill or
// an expired timeout scope ends the wait, unwinding as Sleep does; the
// lock is then not taken. A lock that is free is taken at once.
//
// To wait for a held lock without blocking the goroutine, Lock has a helper
// goroutine wait in mu.Lock. If the wait is abandoned, the helper unlocks
// mu as soon as it gets it, so the lock is never leaked; the helper lives
// as long as the lock stays held by someone else.
func Lock(mu sync.Locker) {
	if mu == nil {
		panic("iox: Lock(nil)")
	}
	if g := current(); g != nil && g.s != nil && g.s.sim != nil {
		// In a world, a goroutine blocked in mu.Lock is not durably
		// blocked: poll on the virtual clock instead.
		tl, ok := mu.(interface{ TryLock() bool })
		if ok {
			for d := time.Microsecond; !tl.TryLock(); d = min(2*d, time.Millisecond) {
				Sleep(d)
			}
			return
		}
	}
	var state atomic.Int32
	var got chan struct{}
	waitUnwinding(current(), OpLock, "", time.Time{},
		func() bool {
			tl, ok := mu.(interface{ TryLock() bool })
			return ok && tl.TryLock()
		},
		func(a *armed) error {
			got = make(chan struct{})
			go lockHelper(mu, &state, got)
			select {
			case <-got:
				return nil
			case <-a.scopeC:
				return abandonLock(&state, a.expired())
			case <-a.doneC:
				return abandonLock(&state, a.done())
			}
		})
}

// Handing a lock from the helper to the waiter: whoever moves state from
// lockWaiting first decides whether the waiter owns the lock.
const (
	lockWaiting int32 = iota
	lockHanded
	lockAbandoned
)

func lockHelper(mu sync.Locker, state *atomic.Int32, got chan struct{}) {
	mu.Lock()
	if state.CompareAndSwap(lockWaiting, lockHanded) {
		close(got)
	} else {
		mu.Unlock() // the waiter left
	}
}

// abandonLock gives up a wait that was cut short with err, unless the
// helper handed the lock over first: then the lock is the waiter's.
func abandonLock(state *atomic.Int32, err error) error {
	if !state.CompareAndSwap(lockWaiting, lockAbandoned) {
		return nil
	}
	return err
}
