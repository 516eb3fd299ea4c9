package sim

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coop-go/coop/internal/simworld"
	"github.com/coop-go/coop/iox"
)

// A World is one simulated run: a Simulated scheduler inside a
// testing/synctest bubble, a Network of hosts, and the run's events. Its
// methods are safe for concurrent use by the world's tasks.
type World struct {
	t    testing.TB
	seed uint64
	// failedBefore: t had failed before the world began, so only a new
	// failure is the world's.
	failedBefore bool
	s            *iox.Scheduler
	net          *Network

	mu      sync.Mutex
	events  eventLog
	hosts   map[string][]*iox.Task // the tasks each host's Host started
	failure string                 // why the run failed, once it did
	snap    string                 // the Snapshot when it failed
	tail    string                 // the last events when it failed
	stop    chan struct{}          // closed when the run must end; made in the bubble
	stopped bool
}

// Seed returns the world's seed.
func (w *World) Seed() uint64 { return w.seed }

// Scheduler returns the world's Simulated scheduler.
func (w *World) Scheduler() *iox.Scheduler { return w.s }

// Network returns the world's network.
func (w *World) Network() *Network { return w.net }

// Host starts a host named name, and fn on it as a task (named after the
// host): the host gets its own address, name resolves to it, and the tasks
// and goroutines fn starts live on it, so that netx's dials, listens and
// lookups made there go to the world's network as this host, as
// production code makes them (imports swapped). Host of a name that exists
// starts fn on it too; of a host that crashed, revives it with the same
// address.
func (w *World) Host(name string, fn func(ctx context.Context) error) *iox.Task {
	if fn == nil {
		panic("sim: Host called with a nil function")
	}
	ep := w.net.Host(name)
	ctx := context.WithValue(context.Background(), simworld.EnvKey{}, ep)
	t := w.s.GoContext(ctx, fn).SetName(name)
	w.mu.Lock()
	w.hosts[name] = append(w.hosts[name], t)
	w.mu.Unlock()
	return t
}

// Crash crashes a host: its tasks are killed, its conns reset (their peers
// see ECONNRESET), its listeners and sockets closed, its ports freed. Host
// with the same name restarts it, with the same address.
func (w *World) Crash(host string) {
	w.mu.Lock()
	tasks := w.hosts[host]
	delete(w.hosts, host)
	w.mu.Unlock()
	for _, t := range tasks {
		t.Kill(errCrash) // first: the host's calls end with the kill, not with its sockets' reset
	}
	w.net.Crash(host)
}

var errCrash = fmt.Errorf("sim: host crashed")

// Partition cuts hosts a and b off each other, both ways: dials between
// them wait until their deadline (on the virtual clock), established conns
// stall, datagrams are dropped.
func (w *World) Partition(a, b string) { w.net.Partition(a, b) }

// Heal undoes Partition(a, b): the stalled conns resume, losing nothing.
func (w *World) Heal(a, b string) { w.net.Heal(a, b) }

// Log returns the run's events so far, in order, with virtual times.
func (w *World) Log() []iox.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.events.all()
}

// Observe keeps each event of the world, and ends the run at the first
// failure: a test's t.Error or t.Fatal from any task, or a task's panic.
func (w *World) observe(e iox.Event) {
	progress.Add(1)
	w.mu.Lock()
	w.events.add(e)
	w.mu.Unlock()
	switch {
	case e.Kind == iox.OpPanic:
		w.fail(fmt.Sprintf("%v panicked: %v", e.Task, e.Err))
	case !w.failedBefore && w.t.Failed():
		w.fail("the test failed")
	}
}

// fail ends the run, once, keeping why and what the world looked like.
func (w *World) fail(why string) {
	w.mu.Lock()
	if w.failure != "" {
		w.mu.Unlock()
		return
	}
	w.failure = why
	evs := w.events.last(tailEvents)
	w.tail = FormatEvents(evs)
	w.mu.Unlock()
	snap := w.s.Snapshot().String()
	w.mu.Lock()
	w.snap = snap
	w.endLocked()
	w.mu.Unlock()
}

// tailEvents is how many of the last events a failure report shows.
const tailEvents = 40

func (w *World) endLocked() {
	if !w.stopped {
		w.stopped = true
		close(w.stop)
	}
}

// FormatEvents renders events as the lines of a log, one per event:
// virtual time since the world began, task, kind, target, bytes, duration
// and error. Two runs of one seed render the same text, byte for byte.
func FormatEvents(evs []iox.Event) string {
	var sb strings.Builder
	for _, e := range evs {
		task := "-"
		if e.Task != nil {
			task = strconv.FormatUint(e.Task.ID(), 10) + ":" + e.Task.Name()
		}
		fmt.Fprintf(&sb, "%-14v %-24s %-9s %-28s %7d %-12v", e.Start.Sub(Epoch), task, e.Kind, e.Target, e.Bytes, e.Duration)
		if e.Err != nil {
			fmt.Fprintf(&sb, " err=%v", e.Err)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// Epoch is when every world's virtual clock starts: testing/synctest's.
var Epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// worlds serializes the worlds of a process: the door tells a world's
// goroutines by their ancestry, and the grant loop's quiescence is the
// bubble's; one world at a time keeps both simple.
var worlds sync.Mutex

// byScheduler finds the world of a scheduler, for its deadlock report.
var byScheduler sync.Map // *iox.Scheduler -> *World

// progress counts what the running world does, for the wall-clock
// watchdog.
var progress atomic.Uint64

// Test runs fn in a simulated world seeded with seed (or with COOP_SEED,
// if set), and fails t, with the seed, the world's Snapshot, its last
// events and the command that replays the run, if the run fails: a
// t.Error or t.Fatal from any task, a task's panic, or a deadlock (every
// task blocked and no timer pending). fn runs as the world's first task,
// on a host of its own, "main"; when it returns, the tasks still running
// (servers) are killed, every host is crashed so that their conns end,
// and the world ends.
func Test(t *testing.T, seed uint64, fn func(w *World)) {
	t.Helper()
	if fn == nil {
		panic("sim: Test called with a nil function")
	}
	seed = seedFromEnv(t, seed)
	w := run(t, seed, fn)
	if w.failure != "" {
		t.Errorf("sim: seed %d failed: %s\n\nreplay: COOP_SEED=%d go test -run '^%s$'\n\n%s\nlast events:\n%s",
			seed, w.failure, seed, rootName(t), w.snap, w.tail)
	}
}

// Explore runs fn in worlds of seeds 1, 2, ... seeds, as Test does, and
// stops at the first that fails, naming it. With COOP_SEED set, it runs
// that seed alone.
func Explore(t *testing.T, seeds int, fn func(w *World)) {
	t.Helper()
	if seeds < 1 {
		panic(fmt.Sprintf("sim: Explore(%d): seeds must be at least 1", seeds))
	}
	if fn == nil {
		panic("sim: Explore called with a nil function")
	}
	if s := os.Getenv("COOP_SEED"); s != "" {
		Test(t, seedFromEnv(t, 0), fn)
		return
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		w := run(t, seed, fn)
		if w.failure != "" {
			t.Errorf("sim: Explore found a failing seed, %d of %d: %s\n\nreplay: COOP_SEED=%d go test -run '^%s$'\n\n%s\nlast events:\n%s",
				seed, seeds, w.failure, seed, rootName(t), w.snap, w.tail)
			return
		}
	}
	t.Logf("sim: %d seeds passed", seeds)
}

func seedFromEnv(t *testing.T, seed uint64) uint64 {
	if s := os.Getenv("COOP_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("sim: COOP_SEED=%q is not a seed", s)
		}
		return n
	}
	return seed
}

func rootName(t *testing.T) string {
	name, _, _ := strings.Cut(t.Name(), "/")
	return name
}

// run runs one world to its end and returns it.
func run(t *testing.T, seed uint64, fn func(w *World)) *World {
	worlds.Lock()
	defer worlds.Unlock()
	simworld.SetQuiesce(synctest.Wait)
	simworld.SetDeadlock(deadlocked)
	w := &World{t: t, seed: seed, net: NewNetwork(), hosts: map[string][]*iox.Task{}, failedBefore: t.Failed()}
	w.net.seed = seed
	watch := startWatchdog(t, seed)
	defer watch()
	synctest.Test(t, func(*testing.T) {
		// Made in the bubble: a wait on a channel made outside it is not
		// durable, and the world would never be quiescent.
		w.stop = make(chan struct{})
		w.s = iox.New(iox.WithMode(iox.Simulated), iox.WithSeed(seed), iox.WithName("world "+strconv.FormatUint(seed, 10)),
			iox.WithLog(nil), iox.WithObserver(iox.ObserverFunc(w.observe)))
		byScheduler.Store(w.s, w)
		defer byScheduler.Delete(w.s)
		main := w.Host("main", func(ctx context.Context) error { fn(w); return nil })
		select {
		case <-main.Done():
		case <-w.stop:
		}
		if !w.failedBefore && t.Failed() {
			w.fail("the test failed")
		}
		w.end()
	})
	return w
}

// end ends the world: the tasks still running are killed, every host is
// crashed, in name order, so that the conns of goroutines that are no
// task end too, and the scheduler is closed.
func (w *World) end() {
	w.mu.Lock()
	var names []string
	for n := range w.net.hosts {
		names = append(names, n)
	}
	w.mu.Unlock()
	slices.Sort(names)
	for _, n := range names {
		w.Crash(n)
	}
	w.s.Close()
}

// deadlocked is the grant loop's report: nobody can run and nothing is
// scheduled.
func deadlocked(s any) {
	v, ok := byScheduler.Load(s)
	if !ok {
		return
	}
	w := v.(*World)
	w.fail("deadlock: every task is blocked and no timer is pending")
}

// watchdogPatience is how long the world may make no progress on the
// machine's clock before the watchdog calls it hung: a goroutine spinning
// or blocked on a mutex keeps the bubble from ever being quiescent.
const watchdogPatience = 30 * time.Second

// startWatchdog watches the world from outside its bubble: if the world
// makes no progress (no event) for watchdogPatience of real time, it dumps
// every goroutine's stack into the test log and ends the test binary, so
// that a hung world never hangs the test run.
func startWatchdog(t *testing.T, seed uint64) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last, since := progress.Load(), time.Now()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if p := progress.Load(); p != last {
					last, since = p, time.Now()
				} else if time.Since(since) > watchdogPatience {
					buf := make([]byte, 1<<20)
					n := runtime.Stack(buf, true)
					panic(fmt.Sprintf("sim: the world of seed %d made no progress for %v of real time (a goroutine spinning, or blocked on a mutex, keeps it from ever being quiescent); replay with COOP_SEED=%d\n\n%s",
						seed, watchdogPatience, seed, buf[:n]))
				}
			}
		}
	}()
	return func() { close(done) }
}

// An eventLog keeps a world's events in chunks, so that a busy world's
// millions of events are never copied to grow it.
type eventLog struct {
	chunks [][]iox.Event
	n      int
}

const eventChunk = 4096

func (l *eventLog) add(e iox.Event) {
	if l.n%eventChunk == 0 {
		l.chunks = append(l.chunks, make([]iox.Event, 0, eventChunk))
	}
	c := &l.chunks[len(l.chunks)-1]
	*c = append(*c, e)
	l.n++
}

// last returns the last n events (all of them if there are fewer).
func (l *eventLog) last(n int) []iox.Event {
	out := make([]iox.Event, 0, min(n, l.n))
	for i := max(0, l.n-n); i < l.n; i++ {
		out = append(out, l.chunks[i/eventChunk][i%eventChunk])
	}
	return out
}

func (l *eventLog) all() []iox.Event { return l.last(l.n) }
