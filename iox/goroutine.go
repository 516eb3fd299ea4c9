package iox

import (
	"sync/atomic"

	"github.com/coop-go/coop/internal/goid"
	"github.com/coop-go/coop/internal/gtable"
)

// gstate is what the scheduler knows of one goroutine: the task it runs
// (if any), its timeout scopes, the blocking calls it is in, and what
// Snapshot shows of it. Every task has one, embedded in its Task; a
// goroutine that is no task gets one while it is inside a timeout scope.
//
// Fields marked "owner" are only touched by the goroutine itself.
type gstate struct {
	id    atomic.Int64 // goroutine id; read by the watchdog
	task  *Task
	s     *Scheduler
	scope *scope // owner: innermost timeout scope

	cur   atomic.Pointer[Op] // innermost open call, for kill and Snapshot
	depth int                // owner: open calls
	ops   []*Op              // owner: storage for open calls, made at the first

	// owner: how many calls of this goroutine the kill has been reported
	// to; at toldLimit, the next blocking call unwinds instead (see
	// unwind.go). unwinding is set while the goroutine unwinds, so that
	// deferred cleanup's calls return errors instead of unwinding again.
	killTold  int
	unwinding bool
	// Cooperative: the task waits for its first turn and has no goroutine
	// yet; its grant starts one. Set by start before the task is queued,
	// read by the one granter that dequeued it, cleared by the goroutine.
	unstarted bool
	shard     uint32 // stats shard
	// owner: calls made while delivering are neither refused nor cut
	// short: they finish what an interrupted call had already taken on
	// (iox.Copy writing out what it read).
	delivering int

	timer  clockTimer    // owner: reused by waits
	turnCh chan struct{} // Cooperative, Simulated: a token here grants the turn

	env    any    // Simulated: the goroutine's host, for the layers above
	simKey string // Simulated: the goroutine's deterministic name, for the grant loop

	pub published // what Snapshot reads, see publish.go

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

	// inForce counts what makes the door do work: live tasks, registered
	// goroutines that are no task, and the Default scheduler's observers
	// and stats. While it is zero, every blocking call goes straight
	// through.
	inForce atomic.Int32
)

// grant hands the turn to g, which a granter has just dequeued and made
// the holder: a token on its turnCh, or, for a task waiting for its first
// turn, its goroutine. Either is a happens-before edge from the granter to
// g.
func (g *gstate) grant() {
	if g.unstarted {
		go g.task.run()
		return
	}
	g.turnCh <- struct{}{}
}

// current returns the calling goroutine's state, or nil.
func current() *gstate {
	if inForce.Load() == 0 {
		return nil
	}
	if g := lookup(goid.Get()); g != nil {
		return g
	}
	if simActive.Load() != 0 {
		return adopt() // a goroutine of a world, come to the door for the first time
	}
	return nil
}

func lookup(id int64) *gstate { return tables[id&15].Get(id) }

// register makes the goroutine findable. A task's goroutine is counted in
// inForce through its scheduler (addTask); a goroutine that is no task
// counts itself.
func (g *gstate) register() {
	id := goid.Get()
	g.id.Store(id)
	// Round robin, so that goroutines running at once count apart: a
	// task's id is dealt out in order already, and sparing the shared
	// counter spares a cache line every core's spawns would fight over.
	if g.task != nil {
		g.shard = uint32(g.task.id)
	} else {
		g.shard = nextShard.Add(1)
	}
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

// sched returns the scheduler whose clock and observers the goroutine
// uses: its task's, Default for a goroutine that is no task.
func (g *gstate) sched() *Scheduler {
	if g == nil || g.s == nil {
		return Default()
	}
	return g.s
}

// push opens a call record; pop closes the innermost one. The records
// are made as the goroutine first needs them and reused: a task that
// never blocks makes none.
func (g *gstate) push() *Op {
	if g.depth == len(g.ops) {
		g.ops = append(g.ops, new(Op))
	}
	op := g.ops[g.depth]
	g.depth++
	return op
}

func (g *gstate) pop(op *Op) {
	g.depth--
	g.cur.Store(g.at(g.depth - 1))
	op.reset()
}

// at returns the open call at depth i (0: the outermost), or nil.
func (g *gstate) at(i int) *Op {
	if i < 0 {
		return nil
	}
	return g.ops[i]
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

// check returns the kill error of the goroutine's task, or the error of
// its expired scope, or nil.
func (g *gstate) check() error {
	if k := g.killErr(); k != nil {
		return k
	}
	if g.scope != nil && g.scope.dead() {
		return g.expiredScope().deadErr()
	}
	return nil
}
