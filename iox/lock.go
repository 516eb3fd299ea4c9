package iox

import (
	"context"
	"sync"
	"sync/atomic"
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
	g := current()
	if g != nil {
		if err := g.check(); err != nil {
			g.unwind(err)
		}
	}
	if tl, ok := mu.(interface{ TryLock() bool }); ok && tl.TryLock() {
		instant(g, OpLock, "", 0, nil)
		return
	}
	if g == nil {
		op, _ := beginDetached(context.Background(), OpLock, "")
		mu.Lock()
		op.End(0, nil)
		return
	}
	op := g.mustBegin(OpLock, "")
	g.mustEnd(op, lockWait(g, mu))
}

// Handing a lock from the helper to the waiter: whoever moves state from
// lockWaiting first decides whether the waiter owns the lock.
const (
	lockWaiting int32 = iota
	lockHanded
	lockAbandoned
)

func lockWait(g *gstate, mu sync.Locker) error {
	var state atomic.Int32
	got := make(chan struct{})
	go func() {
		mu.Lock()
		if state.CompareAndSwap(lockWaiting, lockHanded) {
			close(got)
		} else {
			mu.Unlock() // the waiter left
		}
	}()
	timerC := g.scopeTimer()
	if timerC != nil {
		defer g.timer.Stop()
	}
	var err error
	select {
	case <-got:
		return nil
	case <-timerC:
		err = ErrTimeout
	case <-g.done():
		err = g.doneErr()
	}
	if !state.CompareAndSwap(lockWaiting, lockAbandoned) {
		return nil // the helper got the lock first: it is ours
	}
	return err
}
