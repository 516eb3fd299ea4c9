package iox

import (
	"io"
	"runtime"
	"sync/atomic"
)

// published is what a goroutine shows Snapshot: the blocking call it is
// in and its totals. The owner writes it between two increments of seq;
// readers retry while seq is odd or changes under them (a seqlock), so
// publishing costs the owner two atomic adds and no lock.
type published struct {
	seq     atomic.Uint64
	kind    OpKind
	target  string
	start   int64 // clock stamp of the call's start
	ops     int64 // calls ended
	bytes   int64
	errs    int64
	blocked int64 // clock stamps spent in calls that ended
	ended   int64 // clock stamp of the end of the last call, 0 before the first
}

// publish shows op as the goroutine's current call.
func (g *gstate) publish(op *Op) {
	p := &g.pub
	p.seq.Add(1)
	p.kind, p.target, p.start = op.kind, op.target, op.start
	p.seq.Add(1)
}

// unpublish shows outer (or no call) as current again, and adds an ended
// call's outcome to the totals if count is set.
func (g *gstate) unpublish(outer *Op, end int64, n int, err error, count bool) {
	p := &g.pub
	p.seq.Add(1)
	if count {
		p.ops++
		p.bytes += int64(n)
		if err != nil && err != io.EOF {
			p.errs++
		}
		if p.start != 0 && end > p.start {
			p.blocked += end - p.start
		}
	}
	if outer != nil {
		p.kind, p.target, p.start = outer.kind, outer.target, outer.start
	} else {
		p.kind, p.target, p.start = 0, "", 0
		p.ended = end
	}
	p.seq.Add(1)
}

// countInstant adds a call that did not block to the totals.
func (g *gstate) countInstant(n int, err error) {
	p := &g.pub
	p.seq.Add(1)
	p.ops++
	p.bytes += int64(n)
	if err != nil && err != io.EOF {
		p.errs++
	}
	p.seq.Add(1)
}

// view is a consistent copy of what a goroutine published.
type view struct {
	kind                      OpKind
	target                    string
	start                     int64
	ops, bytes, errs, blocked int64
	ended                     int64
}

// read returns a consistent copy of what the owner published. It is
// exempt from the race detector: the seqlock makes the unsynchronised
// reads safe, and a torn copy is thrown away before use.
//
//go:norace
func (g *gstate) read() view {
	p := &g.pub
	for {
		s1 := p.seq.Load()
		if s1&1 == 0 {
			v := view{p.kind, p.target, p.start, p.ops, p.bytes, p.errs, p.blocked, p.ended}
			if p.seq.Load() == s1 {
				return v
			}
		}
		runtime.Gosched()
	}
}
