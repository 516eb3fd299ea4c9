package iox

import (
	"sync"
	"sync/atomic"

	"github.com/coop-go/coop/internal/simworld"
)

// A Scheduler runs tasks, keeps their clock and turn, and reports their
// blocking calls. The zero value is not usable; make one with New, or use
// Default. A Scheduler is safe for concurrent use by multiple goroutines.
type Scheduler struct {
	cfg       config
	isDefault bool
	clock     clock
	turn      turner   // nil in Free mode
	coop      *turn    // the turn of a Cooperative scheduler, for the watchdog
	sim       *simTurn // the turn of a Simulated scheduler

	obsMu     sync.Mutex
	obs       atomic.Pointer[observers]
	lastObsID uint64                // under obsMu
	stats     atomic.Pointer[Stats] // nil while stats are not collected
	statsMu   sync.Mutex
	statsRefs int // CollectStats calls not stopped, under statsMu; -1: WithStats

	tasks  registry     // live tasks, for Snapshot and Close
	ntasks atomic.Int64 // live tasks
	closed atomic.Bool

	mu  sync.Mutex // the watchdog
	dog *watchdog  // running watchdog, Cooperative mode only
}

// New returns a Scheduler configured by opts. Its mode is Free unless
// WithMode says otherwise.
func New(opts ...Option) *Scheduler {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			panic("iox: New called with a nil Option")
		}
		o.apply(&cfg)
	}
	s := &Scheduler{cfg: cfg, clock: realClock{}}
	switch cfg.mode {
	case Cooperative:
		s.coop = &turn{pick: cfg.pick}
		s.turn = s.coop
	case Simulated:
		quiesce := simworld.Quiesce()
		if quiesce == nil {
			panic("iox: a Simulated scheduler runs in a world: use sim.Test")
		}
		installEnv.Do(func() { simworld.SetEnv(currentEnv) })
		s.sim = newSimTurn(s, cfg.seed, quiesce)
		s.turn, s.clock = s.sim, simClock{s.sim}
		simActive.Add(1)
		go s.sim.loop()
	}
	for _, o := range cfg.observers {
		s.Observe(o)
	}
	if cfg.stats {
		s.statsRefs = -1
		s.stats.Store(newStats(s.clock))
	}
	return s
}

var defaultScheduler = sync.OnceValue(func() *Scheduler {
	s := New(WithName("default"))
	s.isDefault = true
	return s
})

// Default returns the process-wide Free scheduler. Spawn uses it outside any
// task, and the blocking calls of goroutines that are no task report to it.
// It cannot be closed.
func Default() *Scheduler { return defaultScheduler() }

// observed reports whether the scheduler's calls are reported to
// observers or counted in stats.
func (s *Scheduler) observed() bool {
	return s.obs.Load() != nil || s.stats.Load() != nil
}

// Stats returns the stats the scheduler collects, or nil while it collects
// none (the methods of a nil *Stats report nothing). Stats has no side
// effect: collecting is switched on by WithStats or CollectStats.
func (s *Scheduler) Stats() *Stats { return s.stats.Load() }

// CollectStats makes the scheduler count its calls from now on, if it did
// not already, and returns a function that undoes it. Collection stops when
// every CollectStats has been undone (never for a scheduler made
// WithStats); the Stats already returned stay readable. Collection costs a
// few tens of nanoseconds per call; the Default scheduler's stats count
// the calls of goroutines that are no task.
func (s *Scheduler) CollectStats() (stop func()) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if s.statsRefs >= 0 {
		if s.statsRefs == 0 {
			s.stats.Store(newStats(s.clock))
			if s.isDefault {
				inForce.Add(1) // the door must now look at goroutines that are no task
			}
		}
		s.statsRefs++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.statsMu.Lock()
			defer s.statsMu.Unlock()
			if s.statsRefs <= 0 {
				return
			}
			if s.statsRefs--; s.statsRefs == 0 {
				s.stats.Store(nil)
				if s.isDefault {
					inForce.Add(-1)
				}
			}
		})
	}
}

// Mode returns the scheduler's mode.
func (s *Scheduler) Mode() Mode { return s.cfg.mode }

// Name returns the name given WithName ("default" for Default).
func (s *Scheduler) Name() string { return s.cfg.name }

// Close kills every task of the scheduler with ErrClosed and waits until
// they have ended (all but the calling task, when Close is called from one).
// Tasks started after Close do not run and end with ErrClosed. Close
// returns ErrClosed if the scheduler was already closed; the Default
// scheduler cannot be closed.
func (s *Scheduler) Close() error {
	if s.isDefault {
		return errCloseDefault
	}
	if !s.closed.CompareAndSwap(false, true) {
		return ErrClosed
	}
	live := s.tasks.all()
	g := current()
	self := g.taskOrNil()
	for _, t := range live {
		t.Kill(ErrClosed)
	}
	for _, t := range live {
		if t != self {
			// Not cut short by the caller's own kill (Close kills the
			// caller too), but giving the turn up while it waits.
			waitChan(g, waitUncuttable, OpJoin, t.Name(), t.Done())
		}
	}
	if s.sim != nil {
		s.sim.close()
		s.sim.forget()
		simActive.Add(-1)
	}
	return nil
}

// addTask registers a new task; it reports false if the scheduler is
// closed. The first live task makes the door look for tasks (inForce) and
// starts a Cooperative scheduler's watchdog; the last one to end undoes
// both (removeTask).
func (s *Scheduler) addTask(t *Task) bool {
	if s.ntasks.Add(1) == 1 {
		inForce.Add(1)
		s.startWatchdog()
	}
	s.tasks.add(t)
	if s.closed.Load() { // Close may have listed the tasks before this one was added
		s.removeTask(t)
		return false
	}
	return true
}

func (s *Scheduler) removeTask(t *Task) {
	s.tasks.remove(t)
	if s.ntasks.Add(-1) == 0 {
		inForce.Add(-1)
		s.stopWatchdog()
	}
}

func (s *Scheduler) startWatchdog() {
	if s.coop == nil || s.cfg.maxBlocking <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dog == nil && s.ntasks.Load() > 0 {
		s.dog = startWatchdog(s)
	}
}

func (s *Scheduler) stopWatchdog() {
	if s.coop == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dog != nil && s.ntasks.Load() == 0 {
		s.dog.stop()
		s.dog = nil
	}
}
