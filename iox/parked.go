package iox

import (
	"bytes"
	"cmp"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Parked is a task whose goroutine waits outside any coop call: in a raw
// channel operation or select, a sync.Mutex or WaitGroup, a raw
// time.Sleep, a system call, a read from a conn that is not netx's. coop
// does not see such a wait and cannot cut it short: a kill or an expired
// timeout scope reaches the task only at its next coop call. It is the
// first thing to look for when a kill "does not work".
type Parked struct {
	ID   uint64
	Name string
	// Wait is what the goroutine waits in, as the runtime names it in a
	// goroutine dump: "chan receive", "chan send", "select",
	// "sync.Mutex.Lock", "sync.WaitGroup.Wait", "sleep", "IO wait",
	// "syscall"...
	Wait string
	// Quiet is how long ago the task's last coop call ended, or it
	// started if it made none: it has waited outside coop for at most
	// that long.
	Quiet time.Duration
	// Func is the innermost function of the goroutine's stack outside the
	// standard library, and At its file:line: the task's own code that
	// waits, or that called the library that does.
	Func string
	At   string
	// Stack is the goroutine's stack, as runtime.Stack prints it.
	Stack string
}

// String describes the task as "task 42 'GET /x' in chan receive at
// /src/x/x.go:123, outside coop for 12s".
func (p Parked) String() string {
	at := p.At
	if at == "" {
		at = p.Func
	}
	return fmt.Sprintf("task %d '%s' in %s at %s, outside coop for %v", p.ID, p.Name, p.Wait, at, shortDuration(p.Quiet))
}

// Parked returns the tasks of s whose goroutines wait outside any coop
// call and have made no coop call for at least quiet (zero or less: any
// task not in one), the quietest first. A task in a coop call, one
// running its own code, and one waiting for the turn of a Cooperative
// scheduler are not parked.
//
// Parked takes a dump of every goroutine's stack (runtime.Stack) to learn
// what each waits in, but only if some task has been quiet for quiet: the
// runtime stops the world while it writes the dump, 10 to 25 ms per 1,000
// goroutines (BENCHMARKS.md), so a tool that asks every few seconds asks
// with a quiet of a second or more, which tasks that make coop calls
// never reach. Each task's line is exact for that task; the lines are not
// one instant. A task whose coop calls began or ended while the dump was
// taken is not parked.
func (s *Scheduler) Parked(quiet time.Duration) []Parked {
	c := s.clock
	now := c.stamp()
	sc := getScratch()
	defer sc.put()
	sc.live = s.tasks.appendAll(sc.live[:0], int(s.ntasks.Load()))
	var queued map[*gstate]bool
	if tn := s.turn; tn != nil {
		tn.inspect(func(q map[*gstate]bool, _ *gstate) { queued = q })
	}
	// The candidates: started, in no call, and quiet for long enough.
	type candidate struct {
		t    *Task
		seq  uint64
		last int64 // when its last call ended, or it started
	}
	byGoroutine := map[int64]candidate{}
	for _, t := range sc.live {
		g := &t.g
		id := g.id.Load()
		if id == 0 || queued[g] {
			continue
		}
		p, seq := g.readSeq()
		if p.kind != 0 {
			continue
		}
		last := p.ended
		if last == 0 {
			last = t.born
		}
		if c.elapsed(now-last) < quiet {
			continue
		}
		byGoroutine[id] = candidate{t: t, seq: seq, last: last}
	}
	if len(byGoroutine) == 0 {
		return nil
	}
	dump := allStacks()
	now = c.stamp() // Quiet is up to the dump, which the candidates did not move across
	var out []Parked
	for len(dump) > 0 {
		var rec []byte
		rec, dump, _ = bytes.Cut(dump, []byte("\n\n"))
		id, status, stack, ok := parseGoroutine(rec)
		if !ok {
			continue
		}
		cd, isCand := byGoroutine[id]
		if !isCand {
			continue
		}
		wait := string(bytes.TrimSuffix(status, []byte(" (scan)")))
		if !waits(wait) {
			continue
		}
		fn, at := ownFrame(stack)
		if strings.HasPrefix(fn, ioxPrefix) && !strings.Contains(at, "_test.go:") {
			continue // coop's own machinery, waiting for the turn
		}
		if _, seq := cd.t.g.readSeq(); seq != cd.seq || cd.t.ended.Load() {
			continue // it made a coop call meanwhile: the dump may show that call
		}
		out = append(out, Parked{
			ID: cd.t.id, Name: cd.t.displayName(), Wait: wait, Quiet: c.elapsed(now - cd.last),
			Func: fn, At: at, Stack: string(rec),
		})
	}
	slices.SortFunc(out, func(a, b Parked) int {
		return cmp.Or(cmp.Compare(b.Quiet, a.Quiet), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// readSeq is read, with the sequence number the copy is consistent with:
// a goroutine whose sequence number is the same at two moments made no
// call and ended none in between.
//
//go:norace
func (g *gstate) readSeq() (view, uint64) {
	p := &g.pub
	for {
		s1 := p.seq.Load()
		if s1&1 == 0 {
			v := view{p.kind, p.target, p.start, p.ops, p.bytes, p.errs, p.blocked, p.ended}
			if p.seq.Load() == s1 {
				return v, s1
			}
		}
		runtime.Gosched()
	}
}

// parseGoroutine reads one goroutine of a dump of runtime.Stack:
//
//	goroutine 42 [chan receive, 2 minutes]:
//	main.fetch(...)
//		/src/x/x.go:123 +0x1d
//	...
//
// and returns its id, its status or wait reason ("chan receive"), and its
// frames. It allocates nothing: a dump has a goroutine for each task.
func parseGoroutine(rec []byte) (id int64, status, frames []byte, ok bool) {
	header, frames, _ := bytes.Cut(rec, []byte("\n"))
	rest, found := bytes.CutPrefix(header, []byte("goroutine "))
	if !found {
		return 0, nil, nil, false
	}
	n := 0
	for n < len(rest) && '0' <= rest[n] && rest[n] <= '9' && n < 18 {
		id = id*10 + int64(rest[n]-'0')
		n++
	}
	if n == 0 {
		return 0, nil, nil, false
	}
	// " [status, N minutes, locked to thread, labels:{...}]:"; with
	// GOTRACEBACK=system, " gp=... m=... mp=..." comes before the bracket.
	open := bytes.IndexByte(rest[n:], '[')
	end := bytes.LastIndex(rest, []byte("]:"))
	if open < 0 || end < n+open {
		return 0, nil, nil, false
	}
	status = rest[n+open+1 : end]
	if i := bytes.Index(status, []byte(", ")); i >= 0 {
		status = status[:i]
	}
	return id, status, frames, true
}

// waits reports whether a goroutine with this status or wait reason waits
// for something its code asked for: not running, not runnable, and not in
// one of the runtime's own short waits (the garbage collector's).
func waits(status string) bool {
	switch status {
	case "running", "runnable", "preempted", "copystack", "idle", "dead",
		"garbage collection", "garbage collection scan", "wait for GC cycle",
		"stopping the world", "flushing proc caches", "debug call":
		return false
	}
	return !strings.HasPrefix(status, "GC ")
}

// ownFrame returns the innermost frame of a goroutine's frames (as
// runtime.Stack prints them) outside the standard library: its function
// and file:line. The standard library's packages are those whose import
// path's first element has no dot, but main.
func ownFrame(frames []byte) (fn, at string) {
	lines := strings.Split(string(frames), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(line, "created by ") || line == "" {
			break
		}
		if strings.HasPrefix(line, "\t") {
			continue
		}
		name := line
		if p := strings.LastIndex(name, "("); p > 0 && strings.HasSuffix(name, ")") {
			name = name[:p]
		}
		if inStd(name) {
			continue
		}
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			at = strings.TrimPrefix(lines[i+1], "\t")
			if p := strings.LastIndex(at, " +0x"); p > 0 {
				at = at[:p]
			}
		}
		return name, at
	}
	return "", ""
}

// inStd reports whether the function named fn ("net/http.(*Client).Get",
// "main.main.func1") is in the standard library.
func inStd(fn string) bool {
	pkg := fn
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		if j := strings.IndexByte(pkg[i:], '.'); j >= 0 {
			pkg = pkg[:i+j]
		}
	} else if j := strings.IndexByte(pkg, '.'); j >= 0 {
		pkg = pkg[:j]
	}
	if pkg == "main" {
		return false
	}
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}

// ioxPrefix begins the names of this package's functions
// ("github.com/coop-go/coop/iox."): a task whose innermost own frame is
// one of them (but for its tests') waits in coop's machinery (for the
// turn), not outside coop.
var ioxPrefix = func() string {
	name := runtime.FuncForPC(reflect.ValueOf(allStacks).Pointer()).Name()
	return name[:strings.LastIndexByte(name, '.')+1]
}()
