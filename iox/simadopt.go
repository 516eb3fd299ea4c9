package iox

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"sync"

	"github.com/coop-go/coop/internal/goid"
	"github.com/coop-go/coop/internal/simworld"
)

// In a simulated world every goroutine that enters the door takes part in
// the turn, tasks or not: net/http's conn goroutines are no tasks, but
// their reads and writes go through netx. A goroutine the scheduler does
// not know is adopted at its first call: it belongs to the world if the
// goroutine that created it does (its own stack names its creator,
// "created by f in goroutine N"), it inherits that goroutine's environment
// (its host), and it gets a deterministic name, its creator's name, its
// own entry function and, for a second goroutine of the same name, a
// count. Goroutine ids are never reused, so a goroutine that is gone
// leaves a harmless entry in the tables until the world ends, which
// forgets its adopted goroutines.

// notInWorld holds the ids of goroutines found not to belong to a world,
// so that they are looked at once.
var notInWorld sync.Map // int64 -> struct{}

// adopt registers the calling goroutine with the world its creator belongs
// to and returns its state, or nil if it belongs to none.
func adopt() *gstate {
	if simActive.Load() == 0 {
		return nil
	}
	id := goid.Get()
	if _, no := notInWorld.Load(id); no {
		return nil
	}
	creator, entry := creatorOf(ownStack())
	parent := lookup(creator)
	if parent == nil || parent.s == nil || parent.s.sim == nil || parent.s.closed.Load() {
		notInWorld.Store(id, struct{}{})
		return nil
	}
	s := parent.s
	g := &gstate{s: s, env: parent.env, turnCh: make(chan struct{}, 1)}
	g.simKey = s.sim.adoptKey(parent.simKey + "/" + entry)
	g.register()
	s.sim.adopted(g)
	return g
}

// adoptKey makes key unique in the world.
func (st *simTurn) adoptKey(key string) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := st.keys[key]
	st.keys[key] = n + 1
	if n > 0 {
		key += "#" + strconv.Itoa(n+1)
	}
	return key
}

// adopted records g, to be forgotten when the world ends.
func (st *simTurn) adopted(g *gstate) {
	st.mu.Lock()
	st.adoptees = append(st.adoptees, g)
	st.mu.Unlock()
}

// forget unregisters the world's adopted goroutines.
func (st *simTurn) forget() {
	st.mu.Lock()
	gs := st.adoptees
	st.adoptees = nil
	st.mu.Unlock()
	for _, g := range gs {
		g.unregister()
	}
}

func ownStack() []byte {
	buf := make([]byte, 16<<10)
	n := runtime.Stack(buf, false)
	return buf[:n]
}

// creatorOf reads a goroutine's stack, as runtime.Stack prints it: the id
// of the goroutine that created it, and its entry function (the last
// function on the stack).
func creatorOf(stack []byte) (creator int64, entry string) {
	lines := bytes.Split(bytes.TrimRight(stack, "\n"), []byte("\n"))
	for i, line := range lines {
		if !bytes.HasPrefix(line, []byte("created by ")) {
			continue
		}
		if j := bytes.LastIndex(line, []byte(" in goroutine ")); j >= 0 {
			creator, _ = strconv.ParseInt(string(line[j+len(" in goroutine "):]), 10, 64)
		}
		// The entry is the function frame just above: lines alternate
		// between a function and its location.
		if k := i - 2; k >= 1 {
			fn := lines[k]
			if p := bytes.LastIndexByte(fn, '('); p > 0 {
				fn = fn[:p]
			}
			entry = string(fn)
		}
		break
	}
	return creator, entry
}

// envKey is the context key whose value a task started with GoContext
// takes as its environment: how package sim puts a host's root task on
// its host.
type envKey = simworld.EnvKey

// currentEnv returns the calling goroutine's environment, adopting it into
// its world if needed.
func currentEnv() any {
	g := current()
	if g == nil {
		return nil
	}
	return g.env
}

var installEnv sync.Once

// envOf returns the environment a task started with parent takes, and
// whether parent gave one.
func envOf(parent context.Context) (any, bool) {
	if parent == nil {
		return nil, false
	}
	e := parent.Value(envKey{})
	return e, e != nil
}
