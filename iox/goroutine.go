package iox

import (
	"errors"
	"io"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/internal/goid"
	"github.com/coop-go/coop/internal/gtable"
)

// gstate is what the scheduler knows of one goroutine: the task it runs (if
// any), its timeout scopes and the blocking calls it is in. Every task has
// one, embedded in its Task; a goroutine that is no task gets one while it
// is inside a timeout scope.
//
// Fields marked "owner" are only touched by the goroutine itself.
type gstate struct {
	id    atomic.Int64 // goroutine id; read by the watchdog
	task  *Task
	s     *Scheduler
	scope *scope // owner: innermost timeout scope

	cur   atomic.Pointer[Op] // innermost open call, for kill and Snapshot
	depth int                // owner: open calls
	ops   [1]Op              // owner: storage for the first open call
	more  []*Op              // owner: storage for nested calls

	timer  clockTimer    // owner: reused by waits
	turnCh chan struct{} // Cooperative: a token here grants the turn

	// What Snapshot shows, published through a seqlock: the owner writes
	// the pub* fields between two increments of pubSeq; readers retry
	// while pubSeq is odd or changes under them.
	pubSeq    atomic.Uint64
	pubKind   OpKind
	pubTarget string
	pubStart  int64 // ticks
	pubOps    int64
	pubBytes  int64
	pubErrs   int64

	shard      uint32    // stats shard
	lastTarget string    // owner: cache of the last target's stats
	lastStats  *counters // owner
}

var (
	// tables map goroutine ids to their gstate, sharded by id so that
	// goroutines starting and ending on different cores rarely share a
	// lock.
	tables [16]gtable.Table[gstate]

	// nextShard deals stats shards out to goroutines as they register.
	nextShard atomic.Uint32

	// inForce counts what makes the door do work: registered goroutines
	// and observers on the Default scheduler. While it is zero, every
	// blocking call goes straight through.
	inForce atomic.Int32
)

// current returns the calling goroutine's state, or nil.
func current() *gstate {
	if inForce.Load() == 0 {
		return nil
	}
	return lookup(goid.Get())
}

func lookup(id int64) *gstate { return tables[id&15].Get(id) }

// register makes the goroutine findable. A task's goroutine is counted in
// inForce through its scheduler (addTask); a goroutine that is no task
// counts itself.
func (g *gstate) register() {
	id := goid.Get()
	g.id.Store(id)
	g.shard = nextShard.Add(1) // round robin: goroutines running at once count apart
	tables[id&15].Set(id, g)
	if g.task == nil {
		inForce.Add(1)
	}
}

func (g *gstate) unregister() {
	id := g.id.Load()
	tables[id&15].Delete(id)
	if g.task == nil {
		inForce.Add(-1)
	}
}

// registered counts the goroutines in the tables, for tests.
func registered() int {
	n := 0
	for i := range tables {
		n += tables[i].Len()
	}
	return n
}

// sched returns the scheduler whose clock and observers the goroutine uses.
func (g *gstate) sched() *Scheduler {
	if g == nil || g.s == nil {
		return Default()
	}
	return g.s
}

// done returns the channel closed when the goroutine's task is killed or its
// inherited deadline passes; nil for a goroutine that is no task.
func (g *gstate) done() <-chan struct{} {
	if g.task == nil {
		return nil
	}
	return g.task.ctx.Done()
}

// push opens a call record; pop closes the innermost one.
func (g *gstate) push() *Op {
	var op *Op
	if g.depth < len(g.ops) {
		op = &g.ops[g.depth]
	} else {
		i := g.depth - len(g.ops)
		if i == len(g.more) {
			g.more = append(g.more, new(Op))
		}
		op = g.more[i]
	}
	g.depth++
	return op
}

func (g *gstate) pop(op *Op) {
	g.depth--
	var outer *Op
	if g.depth > 0 {
		if g.depth-1 < len(g.ops) {
			outer = &g.ops[g.depth-1]
		} else {
			outer = g.more[g.depth-1-len(g.ops)]
		}
	}
	g.cur.Store(outer)
	// A killer may still hold a pointer to op and look at istate, so reset
	// the fields one by one and istate atomically.
	op.g, op.task, op.s, op.target, op.intr = nil, nil, nil, "", nil
	op.start, op.report, op.stats, op.released, op.mapDL, op.detail = 0, false, nil, false, false, nil
	if op.istate.Load() != opIdle {
		op.istate.Store(opIdle)
	}
}

// publish shows op as the goroutine's current call.
func (g *gstate) publish(op *Op) {
	g.pubSeq.Add(1)
	g.pubKind, g.pubTarget, g.pubStart = op.kind, op.target, op.start
	g.pubSeq.Add(1)
}

// unpublish shows the call around op (or none) as current again, and adds
// op's outcome to the goroutine's totals if count is set.
func (g *gstate) unpublish(outer *Op, n int, err error, count bool) {
	g.pubSeq.Add(1)
	if outer != nil {
		g.pubKind, g.pubTarget, g.pubStart = outer.kind, outer.target, outer.start
	} else {
		g.pubKind, g.pubTarget, g.pubStart = 0, "", 0
	}
	if count {
		g.pubOps++
		g.pubBytes += int64(n)
		if err != nil && err != io.EOF {
			g.pubErrs++
		}
	}
	g.pubSeq.Add(1)
}

// published is what Snapshot reads of a goroutine.
type published struct {
	kind             OpKind
	target           string
	start            int64
	ops, bytes, errs int64
}

// read returns a consistent copy of what the owner published. It is
// exempt from the race detector: the seqlock makes the unsynchronised
// reads safe, and a torn copy is thrown away before use.
//
//go:norace
func (g *gstate) read() published {
	for {
		s1 := g.pubSeq.Load()
		if s1&1 == 0 {
			p := published{g.pubKind, g.pubTarget, g.pubStart, g.pubOps, g.pubBytes, g.pubErrs}
			if g.pubSeq.Load() == s1 {
				return p
			}
		}
		runtime.Gosched()
	}
}

// outer returns the op around the innermost one, or nil; owner only.
func (g *gstate) outer() *Op {
	if g.depth < 2 {
		return nil
	}
	i := g.depth - 2
	if i < len(g.ops) {
		return &g.ops[i]
	}
	return g.more[i-len(g.ops)]
}

// killErr returns the kill error of the goroutine's task, or nil.
func (g *gstate) killErr() error {
	if g.task == nil {
		return nil
	}
	if k := g.task.killed.Load(); k != nil {
		return k
	}
	return nil
}

// deadline returns the nearest deadline of the goroutine's scopes.
func (g *gstate) deadline() (time.Time, bool) {
	if g.scope == nil {
		return time.Time{}, false
	}
	return g.scope.eff, true
}

// expired reports whether the goroutine's nearest scope deadline has passed,
// as the scopes' timers tell: no clock read.
func (g *gstate) expired() bool {
	return g.scope != nil && g.scope.dead()
}

// expiredNow is expired, and also reads the clock for a deadline that has
// passed but whose timer has not run yet. For error paths.
func (g *gstate) expiredNow() bool {
	if g.scope == nil {
		return false
	}
	return g.scope.dead() || !g.sched().clock.Now().Before(g.scope.eff)
}

// wait blocks until ch is ready or closed, or until deadline (zero: none),
// or until the task is killed or its scope expires. It returns nil when ch
// was ready, ErrTimeout or the kill error otherwise; errUntil when the
// deadline it was given passed first.
func (g *gstate) wait(ch <-chan struct{}, until time.Time) error {
	if ch != nil {
		select {
		case <-ch:
			return nil
		default:
		}
	}
	limit, scoped := until, false
	if dl, ok := g.deadline(); ok && (limit.IsZero() || dl.Before(limit)) {
		limit, scoped = dl, true
	}
	var timerC <-chan time.Time
	if !limit.IsZero() {
		d := limit.Sub(g.sched().clock.Now())
		if d <= 0 {
			if scoped {
				return ErrTimeout
			}
			return errUntil
		}
		timerC = g.startTimer(d)
		defer g.timer.Stop()
	}
	select {
	case <-ch:
		return nil
	case <-timerC:
		if scoped {
			return ErrTimeout
		}
		return errUntil
	case <-g.done():
		if k := g.killErr(); k != nil {
			return k
		}
		return ErrTimeout
	}
}

// startTimer arms the goroutine's reusable timer for d and returns its
// channel.
func (g *gstate) startTimer(d time.Duration) <-chan time.Time {
	if g.timer == nil {
		g.timer = g.sched().clock.NewTimer(d)
	} else {
		g.timer.Reset(d)
	}
	return g.timer.C()
}

// errUntil is wait's result when its own deadline passed; callers turn it
// into their own result and never return it.
var errUntil = errors.New("iox: wait limit reached")
