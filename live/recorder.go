package live

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/iox"
)

// A recorder keeps what the page shows beyond the scheduler's Snapshot and
// Stats: each task's most recent calls and the watchdog's reports. It is
// an iox.Observer, registered only while someone watches: from the first
// request until none has come for its linger time. So a mounted handler
// nobody looks at costs the scheduler nothing, and the door's idle path is
// unchanged.
//
// Observe runs on the goroutine of every call that ends, so it takes no
// lock that another task's calls take: a task's record is found in a
// sync.Map and written under the record's own mutex, which only that
// task's calls (and a reader of its detail page) take.
//
// Memory is bounded: at most maxRecords tasks are recorded (the calls of
// tasks beyond are not kept), each with at most keep calls; the records of
// tasks that ended are dropped at the next prune but the last maxEnded,
// which a detail page may still ask for.
type recorder struct {
	s      *iox.Scheduler
	keep   int // calls kept per task
	linger time.Duration
	now    func() time.Time

	last atomic.Int64 // unix nanoseconds of the last request

	mu     sync.Mutex // what follows
	remove func()     // unregisters the observer; nil while not recording
	since  time.Time  // when recording began
	timer  *time.Timer
	ended  []*taskRec // recently ended tasks, oldest first

	tasks     sync.Map // task id -> *taskRec
	ntasks    atomic.Int64
	pruning   atomic.Bool
	lastPrune atomic.Int64 // unix nanoseconds

	// recent caches records by task id, direct-mapped, in front of tasks:
	// a task's calls find its record with one load instead of a walk of
	// the map's trie, which on 10,000 tasks misses the cache at every
	// level. A slot holds a record of tasks or nil; a record is only
	// trusted for the id it has.
	recent [1 << 14]atomic.Pointer[taskRec]
	gen    atomic.Uint64 // recording sessions so far; a record of an earlier one is not used

	stallMu    sync.Mutex
	stalls     []Stall // ring of the last maxStalls reports
	stallNext  int
	stallsSeen int64
}

const (
	maxRecords = 50000
	maxEnded   = 256
	maxStalls  = 64
	pruneEvery = 4096 // new records between two prunes started by Observe
)

// A taskRec is what the recorder keeps of one task.
type taskRec struct {
	task *iox.Task
	gen  uint64

	mu   sync.Mutex
	evs  []callRec // ring of the last keep calls
	next int       // where the next call goes, once evs is full
	seen int64
}

type callRec struct {
	kind   iox.OpKind
	bytes  int
	target string
	start  time.Time
	dur    time.Duration
	err    error
}

func newRecorder(s *iox.Scheduler, keep int, linger time.Duration) *recorder {
	return &recorder{s: s, keep: keep, linger: linger, now: time.Now}
}

// touch notes a request and starts recording if it was not; it returns
// when recording began.
func (r *recorder) touch() time.Time {
	r.last.Store(r.now().UnixNano())
	return r.start(true)
}

// start starts recording if it was not, to stop after the linger time
// without requests if expires is set, or never; it returns when
// recording began.
func (r *recorder) start(expires bool) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.remove == nil {
		r.since = r.now()
		r.remove = r.s.Observe(r)
		if expires {
			r.timer = time.AfterFunc(r.linger, func() { r.expire(r.now()) })
		}
	}
	return r.since
}

// recording returns when recording began, or nil if it is not recording.
func (r *recorder) recording() *time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.remove == nil {
		return nil
	}
	since := r.since
	return &since
}

// expire stops recording, and forgets what it recorded, if no request has
// come for the linger time; otherwise it looks again when that time will
// have passed.
func (r *recorder) expire(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.remove == nil || r.timer == nil {
		return // not recording, or for good
	}
	if idle := now.Sub(time.Unix(0, r.last.Load())); idle < r.linger {
		r.timer.Reset(r.linger - idle)
		return
	}
	r.remove()
	r.remove = nil
	r.timer.Stop()
	r.timer = nil
	r.gen.Add(1) // before the records go: a call still being observed makes a new one
	r.tasks.Clear()
	for i := range r.recent {
		r.recent[i].Store(nil)
	}
	r.ntasks.Store(0)
	r.ended = nil
	r.stallMu.Lock()
	r.stalls, r.stallNext, r.stallsSeen = nil, 0, 0
	r.stallMu.Unlock()
}

// Observe records e.
func (r *recorder) Observe(e iox.Event) {
	if e.Kind == iox.OpStall {
		r.addStall(e)
		return
	}
	t := e.Task
	if t == nil {
		return // a goroutine that is no task: no detail page to show it on
	}
	rec := r.record(t)
	if rec == nil {
		return
	}
	c := callRec{kind: e.Kind, bytes: e.Bytes, target: e.Target, start: e.Start, dur: e.Duration, err: e.Err}
	rec.mu.Lock()
	rec.seen++
	if len(rec.evs) < r.keep {
		rec.evs = append(rec.evs, c)
	} else {
		rec.evs[rec.next] = c
		rec.next = (rec.next + 1) % len(rec.evs)
	}
	rec.mu.Unlock()
}

// record returns t's record, made on first use, or nil if too many tasks
// are recorded.
func (r *recorder) record(t *iox.Task) *taskRec {
	slot := &r.recent[t.ID()%uint64(len(r.recent))]
	gen := r.gen.Load()
	if rec := slot.Load(); rec != nil && rec.task == t && rec.gen == gen {
		return rec
	}
	if v, ok := r.tasks.Load(t.ID()); ok {
		rec := v.(*taskRec)
		slot.Store(rec)
		return rec
	}
	if r.ntasks.Load() >= maxRecords {
		r.pruneAsync()
		return nil
	}
	v, loaded := r.tasks.LoadOrStore(t.ID(), &taskRec{task: t, gen: gen})
	if !loaded && r.ntasks.Add(1)%pruneEvery == 0 {
		r.pruneAsync()
	}
	rec := v.(*taskRec)
	slot.Store(rec)
	return rec
}

// pruneAsync prunes on a goroutine of its own, so that no task's call
// pays for it; one prune at a time.
func (r *recorder) pruneAsync() {
	if r.pruning.CompareAndSwap(false, true) {
		go func() {
			defer r.pruning.Store(false)
			r.prune()
		}()
	}
}

// pruneInterval is how often the task list prunes the records.
const pruneInterval = 5 * time.Second

// pruneEvery prunes if the last prune is older than d.
func (r *recorder) pruneEvery(d time.Duration) {
	now := r.now().UnixNano()
	last := r.lastPrune.Load()
	if now-last >= int64(d) && r.lastPrune.CompareAndSwap(last, now) {
		r.prune()
	}
}

// prune moves the records of tasks that ended to the ended list, and drops
// the oldest of that list beyond maxEnded.
func (r *recorder) prune() {
	var done []*taskRec
	r.tasks.Range(func(_, v any) bool {
		if rec := v.(*taskRec); ended(rec.task) {
			done = append(done, rec)
		}
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	known := make(map[*taskRec]bool, len(r.ended))
	for _, rec := range r.ended {
		known[rec] = true
	}
	for _, rec := range done {
		if !known[rec] {
			r.ended = append(r.ended, rec)
		}
	}
	if n := len(r.ended) - maxEnded; n > 0 {
		for _, rec := range r.ended[:n] {
			if r.tasks.CompareAndDelete(rec.task.ID(), rec) {
				r.ntasks.Add(-1)
			}
			r.recent[rec.task.ID()%uint64(len(r.recent))].CompareAndSwap(rec, nil)
		}
		r.ended = append(r.ended[:0:0], r.ended[n:]...)
	}
}

// task returns the task with the given id if it is recorded, or nil.
func (r *recorder) task(id uint64) *iox.Task {
	if v, ok := r.tasks.Load(id); ok {
		return v.(*taskRec).task
	}
	return nil
}

// calls returns the recorded calls of the task with the given id, oldest
// first, and how many ended since recording began.
func (r *recorder) calls(id uint64) ([]Event, int64) {
	v, ok := r.tasks.Load(id)
	if !ok {
		return []Event{}, 0
	}
	rec := v.(*taskRec)
	rec.mu.Lock()
	ordered := append(append([]callRec(nil), rec.evs[rec.next:]...), rec.evs[:rec.next]...)
	seen := rec.seen
	rec.mu.Unlock()
	out := make([]Event, len(ordered))
	for i, c := range ordered {
		out[i] = Event{
			Op:         c.kind.String(),
			Target:     c.target,
			Start:      c.start,
			DurationNS: int64(c.dur),
			Bytes:      int64(c.bytes),
			Err:        errString(c.err),
		}
	}
	return out, seen
}

func (r *recorder) addStall(e iox.Event) {
	st := Stall{Start: e.Start, HeldNS: int64(e.Duration), Stack: string(e.Stack)}
	if e.Task != nil {
		st.Task, st.Name = e.Task.ID(), e.Task.Name()
	}
	r.stallMu.Lock()
	defer r.stallMu.Unlock()
	r.stallsSeen++
	if len(r.stalls) < maxStalls {
		r.stalls = append(r.stalls, st)
		return
	}
	r.stalls[r.stallNext] = st
	r.stallNext = (r.stallNext + 1) % maxStalls
}

// stallList returns the kept reports, the newest first, and how many came
// since recording began.
func (r *recorder) stallList() ([]Stall, int64) {
	r.stallMu.Lock()
	defer r.stallMu.Unlock()
	out := make([]Stall, 0, len(r.stalls))
	for i := range r.stalls {
		// The newest is just before stallNext, going backwards.
		out = append(out, r.stalls[(r.stallNext-1-i+2*len(r.stalls))%len(r.stalls)])
	}
	return out, r.stallsSeen
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
