package iox

import (
	"cmp"
	"container/heap"
	"math/rand/v2"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/internal/simworld"
)

// simTurn is the turn of a Simulated scheduler, which runs inside a
// testing/synctest bubble. One goroutine runs at a time, and which one is
// the seed's choice, never the machine's:
//
//   - The grant loop (loop, on a goroutine of its own in the bubble) waits
//     for quiescence, every other goroutine of the bubble durably blocked
//     (synctest.Wait), then grants the turn to one goroutine of those asking
//     for it, chosen by a PRNG seeded with the seed from the askers sorted by
//     a deterministic name (gstate.simKey). Since it waits for quiescence
//     first, the set it chooses from does not depend on timing.
//   - A goroutine gives the turn up by blocking: in a wait of coop's, on a
//     channel, anywhere durable; release is a no-op. It asks again
//     (acquire) when it comes back to the door after it blocked: at the end
//     of a wait, and at the start of any call if another goroutine was
//     granted the turn since (it was woken by a raw channel operation and
//     ran without the turn; it waits for the turn before the call's effect).
//   - When nobody asks, the loop fires the scheduler's timers, one per
//     quiescent step, in order of deadline then creation, so that even a
//     raw receive from a timer's channel wakes one goroutine at a time;
//     when none is due, it sleeps on a bubble timer until the first one is,
//     so virtual time advances to it.
//   - When nobody asks, no timer of the scheduler's is pending, and nothing
//     else in the bubble wakes anyone before deadlockHorizon of virtual
//     time, the world is deadlocked: every goroutine is blocked and nothing
//     will wake one. The loop reports it (onDeadlock).
type simTurn struct {
	s       *Scheduler
	quiesce func()
	rng     *rand.Rand

	mu       sync.Mutex
	ready    []*gstate // goroutines asking for the turn
	current  *gstate   // the goroutine the turn was last granted to
	grants   uint64
	busy     int     // grants since the loop last idled
	created  uint64  // goroutines made in the process, at the last grant
	keep     *gstate // goes on with the turn once the world is quiet
	sample   []metrics.Sample
	timers   simTimers
	timerSeq uint64
	closing  bool // Close is under way: stop when nothing is left to do
	stopped  bool // the loop has ended: acquire no longer waits
	wake     chan struct{}
	done     chan struct{}
	nextID   uint64
	keys     map[string]int // adopted goroutines' names, for duplicates
	adoptees []*gstate      // adopted goroutines, forgotten at the end

}

// deadlockHorizon is how much virtual time the loop lets pass with nobody
// asking for the turn and no timer of the scheduler's pending before it
// calls the world deadlocked. Timers of code that does not use coop's clock
// (net/http's own) can still wake goroutines until then.
const deadlockHorizon = 1000 * time.Hour

// A world that grants the turn busyTurns times without idling has its
// clock moved by busyCharge (ten microseconds a turn): virtual time stands
// still while the world works, except in a world that never stops working.
const (
	busyTurns  = 100
	busyCharge = time.Millisecond
)

func newSimTurn(s *Scheduler, seed uint64, quiesce func()) *simTurn {
	return &simTurn{
		s:       s,
		quiesce: quiesce,
		rng:     rand.New(rand.NewPCG(seed, 0x636f6f70)),
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		keys:    map[string]int{},
	}
}

// signal wakes the loop if it sleeps; st.mu is held.
func (st *simTurn) signal() {
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// acquire returns once g holds the turn: at once if g was the last to get
// it and nobody got it since.
func (st *simTurn) acquire(g *gstate) {
	st.mu.Lock()
	if st.stopped {
		st.mu.Unlock()
		return
	}
	if st.current == g {
		c := st.goroutinesCreatedLocked()
		if c == st.created {
			st.mu.Unlock()
			return
		}
		// g went on with the turn, and goroutines were made since: let
		// them run to their first call (their adoption) before g goes
		// on, so that siblings are named in the order g made them, not
		// in the order the machine ran them. g keeps the turn: the seed
		// draws nothing for it.
		st.created = c
		st.keep = g
	}
	st.ready = append(st.ready, g)
	st.signal()
	st.mu.Unlock()
	<-g.turnCh
}

// release does nothing: a goroutine gives the turn up by blocking.
func (st *simTurn) release(*gstate) {}

// enqueue puts a new task in line; its goroutine waits on g.turnCh.
func (st *simTurn) enqueue(g *gstate) {
	st.mu.Lock()
	if st.stopped {
		st.mu.Unlock()
		g.turnCh <- struct{}{}
		return
	}
	st.ready = append(st.ready, g)
	st.signal()
	st.mu.Unlock()
}

// yield asks for the turn again, behind nobody: the seed chooses among g
// and the others asking.
func (st *simTurn) yield(g *gstate) {
	st.mu.Lock()
	if st.stopped {
		st.mu.Unlock()
		return
	}
	st.ready = append(st.ready, g)
	st.current = nil
	st.signal()
	st.mu.Unlock()
	<-g.turnCh
}

func (st *simTurn) inspect(f func(queued map[*gstate]bool, holder *gstate)) {
	queued := map[*gstate]bool{}
	st.mu.Lock()
	for _, g := range st.ready {
		queued[g] = true
	}
	holder := st.current
	st.mu.Unlock()
	f(queued, holder)
}

// loop is the grant loop; see simTurn.
func (st *simTurn) loop() {
	defer close(st.done)
	for {
		st.quiesce()
		st.mu.Lock()
		if st.keep != nil {
			g := st.keep
			st.keep = nil
			i := slices.Index(st.ready, g)
			st.ready = slices.DeleteFunc(st.ready, func(x *gstate) bool { return x == g })
			if i >= 0 {
				st.current = g
				st.created = st.goroutinesCreatedLocked()
				g.turnCh <- struct{}{}
			}
			st.mu.Unlock()
			continue
		}
		if len(st.ready) > 0 {
			if t := st.timers.first(); t != nil {
				if now := simNow(); !t.when.After(now) {
					st.fireLocked(t, now) // due while the world was busy
					st.mu.Unlock()
					continue
				}
			}
			if st.busy >= busyTurns {
				// Nobody idled for busyTurns grants: the world's work
				// itself takes time, so that a busy loop waiting for a
				// timer (a raw time.Sleep elsewhere) sees it fire.
				st.busy = 0
				st.mu.Unlock()
				st.charge(busyCharge)
				continue
			}
			st.busy++
			st.grantLocked()
			st.mu.Unlock()
			continue
		}
		st.busy = 0
		if st.closing {
			// The world is ending: the goroutines still waiting for one of
			// its timers (a handler asleep that is no task) are woken now,
			// in order, so that they run to their end rather than wait
			// for a clock that no longer moves; tickers fire once more.
			if t := st.timers.first(); t != nil {
				t.period = 0
				st.fireLocked(t, simNow())
				st.mu.Unlock()
				continue
			}
			st.stopped = true
			st.mu.Unlock()
			return
		}
		if t := st.timers.first(); t != nil {
			now := simNow()
			if !t.when.After(now) {
				st.fireLocked(t, now)
				st.mu.Unlock()
				continue
			}
			d := t.when.Sub(now)
			st.mu.Unlock()
			st.sleep(d)
			continue
		}
		st.mu.Unlock()
		if !st.sleep(deadlockHorizon) {
			simworld.Deadlock(st.s)
		}
	}
}

// grantLocked grants the turn to the seed's choice among the goroutines
// asking for it; st.mu is held.
func (st *simTurn) grantLocked() {
	slices.SortFunc(st.ready, func(a, b *gstate) int {
		return cmp.Or(cmp.Compare(a.simKey, b.simKey), cmp.Compare(a.id.Load(), b.id.Load()))
	})
	// Asking twice (a goroutine that asked, was woken raw, and asked
	// again) is asking once.
	st.ready = slices.CompactFunc(st.ready, func(a, b *gstate) bool { return a == b })
	i := 0
	if n := len(st.ready); n > 1 {
		i = st.rng.IntN(n)
	}
	g := st.ready[i]
	st.ready = slices.Delete(st.ready, i, i+1)
	st.current = g
	st.grants++
	st.created = st.goroutinesCreatedLocked()
	g.turnCh <- struct{}{}
}

// newID returns the next task id of the world: ids come from the seed's
// order of events, not from the process.
func (st *simTurn) newID() uint64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.nextID++
	return st.nextID
}

// close makes the loop stop once nobody asks for the turn any more, and
// waits for it.
func (st *simTurn) close() {
	st.mu.Lock()
	st.closing = true
	st.signal()
	st.mu.Unlock()
	<-st.done
}

// A simTimer is a timer or ticker of a Simulated scheduler's clock, fired
// by the grant loop.
type simTimer struct {
	st     *simTurn
	when   time.Time
	seq    uint64
	period time.Duration  // tickers
	c      chan time.Time // nil for AfterFunc
	f      func()
	index  int // in st.timers; -1 when not pending
}

// simTimers is a heap of pending timers, by deadline then creation.
type simTimers []*simTimer

func (h simTimers) Len() int { return len(h) }
func (h simTimers) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h simTimers) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *simTimers) Push(x any) {
	t := x.(*simTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *simTimers) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

func (h simTimers) first() *simTimer {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

// fireLocked fires t, due at or before now; st.mu is held.
func (st *simTurn) fireLocked(t *simTimer, now time.Time) {
	heap.Remove(&st.timers, t.index)
	if t.period > 0 {
		t.when = t.when.Add(t.period)
		if !t.when.After(now) {
			t.when = now.Add(t.period)
		}
		st.timerSeq++
		t.seq = st.timerSeq
		heap.Push(&st.timers, t)
	}
	if t.c != nil {
		select {
		case t.c <- now:
		default: // a slow receiver drops ticks, as package time's
		}
		return
	}
	go t.f()
}

// newTimer makes a timer due after d; c is its channel (nil for f).
func (st *simTurn) newTimer(d, period time.Duration, c chan time.Time, f func()) *simTimer {
	t := &simTimer{st: st, period: period, c: c, f: f, index: -1}
	st.mu.Lock()
	st.startLocked(t, d)
	st.mu.Unlock()
	return t
}

// startLocked makes t pending, due after d; st.mu is held.
func (st *simTurn) startLocked(t *simTimer, d time.Duration) {
	t.when = simNow().Add(max(d, 0))
	st.timerSeq++
	t.seq = st.timerSeq
	heap.Push(&st.timers, t)
	st.signal()
}

// stopLocked takes t off the pending timers and drops a value it sent
// that nobody received, as package time's timers do since Go 1.23; it
// reports whether t was pending; st.mu is held.
func (st *simTurn) stopLocked(t *simTimer) bool {
	pending := t.index >= 0
	if pending {
		heap.Remove(&st.timers, t.index)
	}
	if t.c != nil {
		select {
		case <-t.c:
		default:
		}
	}
	return pending
}

func (t *simTimer) C() <-chan time.Time { return t.c }

func (t *simTimer) Stop() bool {
	t.st.mu.Lock()
	defer t.st.mu.Unlock()
	return t.st.stopLocked(t)
}

func (t *simTimer) Reset(d time.Duration) bool {
	t.st.mu.Lock()
	defer t.st.mu.Unlock()
	pending := t.st.stopLocked(t)
	t.st.startLocked(t, d)
	return pending
}

// simTicker is a simTimer seen as a clockTicker.
type simTicker struct{ *simTimer }

func (t simTicker) Stop() { t.simTimer.Stop() }

func (t simTicker) Reset(d time.Duration) {
	t.st.mu.Lock()
	defer t.st.mu.Unlock()
	t.st.stopLocked(t.simTimer)
	t.period = d
	t.st.startLocked(t.simTimer, d)
}

// ref is how a kill fires t: due now, so the loop fires it at its next
// step. A Simulated scheduler's timers live as long as its world, so the
// reference is strong.
func (t *simTimer) ref() timerRef { return simRef{t} }

type simRef struct{ t *simTimer }

func (r simRef) alive() bool { return true }

func (r simRef) fire() bool {
	st := r.t.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if r.t.index >= 0 {
		heap.Remove(&st.timers, r.t.index)
		r.t.when = simNow()
		st.timerSeq++
		r.t.seq = st.timerSeq
		heap.Push(&st.timers, r.t)
		st.signal()
	}
	return true
}

// simActive counts the Simulated schedulers alive: while it is zero, the
// door never looks for a world's goroutines.
var simActive atomic.Int32

// goroutinesCreatedLocked returns how many goroutines the process has made
// so far; st.mu is held.
func (st *simTurn) goroutinesCreatedLocked() uint64 {
	if st.sample == nil {
		st.sample = []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	}
	metrics.Read(st.sample)
	return st.sample[0].Value.Uint64()
}
