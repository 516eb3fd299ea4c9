package iox

import (
	"sync"
	"sync/atomic"
)

// A Scheduler runs tasks, keeps their clock and turn, and reports their
// blocking calls. The zero value is not usable; make one with New, or use
// Default. A Scheduler is safe for concurrent use by multiple goroutines.
type Scheduler struct {
	cfg       config
	isDefault bool
	clock     clock
	turn      *turn // nil in Free mode

	obsMu     sync.Mutex
	obs       atomic.Pointer[observers]
	lastObsID uint64 // under obsMu
	stats     atomic.Pointer[Stats]

	mu     sync.Mutex
	closed bool
	tasks  taskList // live tasks, for Snapshot and Close
	ntasks int
	dog    *watchdog // running watchdog, Cooperative mode only
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
	if cfg.mode == Cooperative {
		s.turn = &turn{pick: cfg.pick}
	}
	for _, o := range cfg.observers {
		s.Observe(o)
	}
	if cfg.stats {
		s.Stats()
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
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	live := s.tasks.slice()
	s.mu.Unlock()

	self := Current()
	for _, t := range live {
		t.Kill(ErrClosed)
	}
	for _, t := range live {
		if t != self {
			<-t.done
		}
	}
	return nil
}

// addTask registers a new task; it reports false if the scheduler is
// closed.
func (s *Scheduler) addTask(t *Task) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.tasks.push(t)
	s.ntasks++
	if s.turn != nil && s.dog == nil && s.cfg.maxBlocking > 0 {
		s.dog = startWatchdog(s)
	}
	return true
}

func (s *Scheduler) removeTask(t *Task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tasks.remove(t)
	s.ntasks--
	if s.ntasks == 0 && s.dog != nil {
		s.dog.stop()
		s.dog = nil
	}
}

// taskList is an intrusive doubly linked list of tasks, through their
// sPrev/sNext fields.
type taskList struct {
	head *Task
}

func (l *taskList) push(t *Task) {
	t.sNext = l.head
	if l.head != nil {
		l.head.sPrev = t
	}
	l.head = t
}

func (l *taskList) remove(t *Task) {
	if t.sPrev != nil {
		t.sPrev.sNext = t.sNext
	} else if l.head == t {
		l.head = t.sNext
	}
	if t.sNext != nil {
		t.sNext.sPrev = t.sPrev
	}
	t.sPrev, t.sNext = nil, nil
}

func (l *taskList) slice() []*Task {
	var out []*Task
	for t := l.head; t != nil; t = t.sNext {
		out = append(out, t)
	}
	return out
}
