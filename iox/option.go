package iox

import (
	"fmt"
	"io"
	"os"
	"time"
)

// Mode says how the tasks of a Scheduler share the machine.
type Mode int

const (
	// Free runs every task in parallel, as Go runs goroutines. Blocking
	// calls are reported, killable and bound by timeout scopes; nothing
	// else about the program's behaviour changes.
	Free Mode = iota

	// Cooperative lets one task at a time hold the turn, as gevent's hub
	// runs one greenlet at a time. A task gives the turn up only inside a
	// blocking call made through coop (or Yield), and the next waiting task
	// gets it, first come first served. Handing the turn over is a
	// happens-before edge, so state that tasks touch only between blocking
	// calls needs no lock.
	Cooperative

	// Simulated is Cooperative inside a testing/synctest bubble, where the
	// next goroutine to run is the choice of a PRNG seeded WithSeed and
	// time is virtual: a world of package sim. Every goroutine that enters
	// the door takes part in the turn, tasks or not; the scheduler's clock
	// is the bubble's, and its timers fire one at a time. Make such a
	// scheduler with sim.Test; New panics outside a world.
	Simulated
)

func (m Mode) String() string {
	switch m {
	case Free:
		return "Free"
	case Cooperative:
		return "Cooperative"
	case Simulated:
		return "Simulated"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// BlockingPolicy says what the watchdog of a Cooperative scheduler does
// after it reports a task that held the turn longer than WithMaxBlocking.
type BlockingPolicy int

const (
	// HandOver gives the turn to the next waiting task while the offender
	// goes on running (the default). The program keeps making progress,
	// at the price of two tasks running at once until the offender reaches
	// its next blocking call.
	HandOver BlockingPolicy = iota

	// KillBlocker kills the offending task, then hands the turn over.
	KillBlocker

	// ReportOnly reports and does nothing else: one task at a time, even if
	// the program stops making progress.
	ReportOnly
)

// An Option configures a Scheduler made by New.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	mode          Mode
	maxBlocking   time.Duration
	policy        BlockingPolicy
	crashOnPanic  bool
	stats         bool
	observers     []Observer
	name          string
	pick          func(n int) int
	watchdogEvery time.Duration
	log           io.Writer // nil: discard
	seed          uint64
}

func defaultConfig() config {
	return config{
		mode:        Free,
		maxBlocking: 100 * time.Millisecond,
		policy:      HandOver,
		name:        "scheduler",
		pick:        pickFIFO,
		log:         os.Stderr,
	}
}

// WithMode sets the scheduler's Mode (Free by default). It panics on a
// mode that does not exist.
func WithMode(m Mode) Option {
	if m != Free && m != Cooperative && m != Simulated {
		panic(fmt.Sprintf("iox: WithMode(%d): no such mode", int(m)))
	}
	return optionFunc(func(c *config) { c.mode = m })
}

// WithMaxBlocking sets how long a task of a Cooperative scheduler may hold
// the turn before the watchdog reports it with its stack (100ms by default,
// as gevent's max_blocking_time). A zero or negative d turns the watchdog
// off. It has no effect in Free mode, where no task holds a turn.
func WithMaxBlocking(d time.Duration) Option {
	return optionFunc(func(c *config) { c.maxBlocking = d })
}

// WithBlockingPolicy sets what the watchdog does after a report (HandOver
// by default).
func WithBlockingPolicy(p BlockingPolicy) Option {
	if p < HandOver || p > ReportOnly {
		panic(fmt.Sprintf("iox: WithBlockingPolicy(%d): no such policy", int(p)))
	}
	return optionFunc(func(c *config) { c.policy = p })
}

// WithCrashOnPanic makes a panic in a task end the process, after the
// panic is recorded as the task's error and reported, as a panic in a
// plain goroutine would. By default a task's panic only ends the task.
func WithCrashOnPanic() Option {
	return optionFunc(func(c *config) { c.crashOnPanic = true })
}

// WithSeed sets the seed of a Simulated scheduler's choices: the same
// seed, the same program, the same run.
func WithSeed(seed uint64) Option {
	return optionFunc(func(c *config) { c.seed = seed })
}

// WithLog sets where the scheduler writes what it reports on its own:
// the watchdog's reports of a task that held the turn too long (always,
// whoever else observes them), and a task's panic when no observer is
// registered. It is standard error by default; nil discards them.
func WithLog(w io.Writer) Option {
	return optionFunc(func(c *config) { c.log = w })
}

// WithName names the scheduler in reports.
func WithName(name string) Option {
	return optionFunc(func(c *config) { c.name = name })
}

// WithObserver registers o to receive every event of the scheduler from the
// start. Observers can also be added later with Scheduler.Observe.
func WithObserver(o Observer) Option {
	if o == nil {
		panic("iox: WithObserver(nil)")
	}
	return optionFunc(func(c *config) { c.observers = append(c.observers, o) })
}

// withPick replaces the choice of the next task to get the turn: given the
// number n > 0 of waiting tasks, in arrival order, it returns the index of
// the one to run. FIFO by default; Simulated mode plugs a seeded choice in.
func withPick(pick func(n int) int) Option {
	return optionFunc(func(c *config) { c.pick = pick })
}

func pickFIFO(int) int { return 0 }
