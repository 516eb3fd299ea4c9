package fault

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// A Piece is part of the bytes handed to Link.Send, and the time they
// reach the other end.
type Piece struct {
	Data []byte    // a subslice of the bytes given to Send, never a copy
	At   time.Time // when the other end receives them
}

// A Verdict is what toxics do to a stream as a whole, or to a dial.
type Verdict uint8

const (
	Open        Verdict = iota // the stream goes on
	Closed                     // the stream ends as if closed: the reader gets EOF, a writer a broken pipe
	ResetByPeer                // the stream is reset: both ends' next calls fail with ECONNRESET
	Refused                    // the dial fails: connection refused
)

var verdictNames = [...]string{Open: "open", Closed: "closed", ResetByPeer: "reset", Refused: "refused"}

// String returns "open", "closed", "reset" or "refused".
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}

// A Link is the engine of toxics: the chain of toxics in force on one
// direction of one conn (a stream's bytes, or its datagrams), as a pure
// function of its inputs. It owns no goroutine, reads no clock and keeps
// no reference to a conn. The same Link drives a real conn (this
// package's driver, on the iox scheduler's clock) and a simulated one
// (package sim, on the world's virtual clock and seeded source), so a
// toxic means the same in both. It imports nothing of netx or sim.
//
// # Contract
//
// Inputs, all from the driver:
//
//   - The toxics in force, as pointers (Set). A Link keeps them and the
//     state it has for each (the bytes LimitData has counted, when Timeout
//     took effect, whether toxicity chose it for this link): give the same
//     *Toxic again to keep that state, a new one to start afresh. It takes
//     from the list only the toxics of its direction (Both counts for
//     each) and kind of traffic.
//   - Each chunk, with the time it was sent (Send): a stream's chunk is
//     what one write gave (any size), a datagram's is one datagram.
//   - The time of everything else (Set's now, Close's at): every time is
//     on the driver's clock, and the Link never asks for the time. The
//     driver is also the one that waits: it waits until the times the Link
//     gives, with whatever interrupts its waits (a kill, a scope, a
//     deadline; a world's virtual timers).
//   - A random source (NewLink), drawn from only for a toxicity strictly
//     between 0 and 1 (once per toxic and link, at Set), a latency's
//     jitter (once per piece), a slicer's variation (per cut), and a
//     drop's probability (per datagram). Links may share a source: the
//     driver serialises their calls.
//
// Outputs:
//
//   - Pieces (Send): subslices of the chunk, never copies (copy them if
//     the chunk's buffer is reused before they are delivered), each with
//     the time it reaches the other end, at or after the chunk's send
//     time. Their bytes, concatenated, are a prefix of the chunk's (the
//     whole chunk unless a verdict cut it). No piece means the chunk is
//     lost: a stalled stream (Timeout, Reset waiting to fire) or a lost
//     datagram (Drop). A datagram gives at most one piece, the whole of
//     it. A stream's pieces, over all Sends, are in order and their times
//     never decrease: the driver delivers its queue in order, each piece
//     no earlier than its time. Datagrams' times may decrease (jitter
//     reorders them): the driver delivers each at its time. Under a
//     slicer (Slicing), each piece is meant for one read of its own.
//   - The time the other end sees the sender's close (Close): after every
//     piece given before, later by a SlowClose.
//   - A verdict on the stream (End): Open, or Closed or ResetByPeer and
//     the time it takes effect. Ask after every Set and Send, and again
//     when the driver's clock reaches the time End gave (it may come with
//     no Send at all: Timeout closes d after it took effect). When it
//     comes, the driver delivers the pieces due at or before that time,
//     drops the rest, and ends the conn both ways, as toxiproxy closes
//     both sides of a link: Closed as a close (EOF to readers, EPIPE to
//     writers), ResetByPeer as a reset (ECONNRESET to both ends). A Send
//     at or after that time gives nothing.
//   - Refused, for a dial, from Refuses and the toxics on the dial's
//     target: the driver fails the dial as connection refused.
//   - Removal (Set's result): true if a toxic chosen for the link was
//     removed. The driver then makes everything it holds for the link due
//     at once (a piece's time becomes min(its time, now), and so does a
//     pending close's), keeping the order: what toxiproxy does when a
//     toxic is removed, so that no byte is lost or reordered by it.
//
// A Link given the same calls with the same arguments and a source in
// the same state returns the same results and leaves the source in the
// same state: in a simulated world, toxics are deterministic by seed.
//
// A Link is not safe for concurrent use: its driver serialises its
// calls. A conn has two: NewLink(Upstream, ...) for what its program
// writes (toward the remote the toxics' target names), NewLink(Downstream,
// ...) for what it reads.
type Link struct {
	dir       Direction
	datagrams bool
	rnd       rand.Source
	stages    []*stage
	a, b      []Piece // scratch for Send
}

// stage is one toxic in force on a link, and its state there.
type stage struct {
	t     *Toxic
	on    bool      // toxicity chose the toxic for this link
	start time.Time // when the toxic took effect on the link

	last  time.Time // latency, slicer: no piece goes earlier (a stream keeps its order)
	busy  time.Time // bandwidth: when the link has carried what it was given
	rem   uint64    // bandwidth: the remainder of nanoseconds times rate
	sent  int64     // limit_data: bytes passed
	armed bool      // reset_peer: data has reached it
	endAt time.Time // reset_peer: when it resets; limit_data: when the limit was reached
	ended bool      // limit_data: the limit was reached
}

// NewLink returns the link of direction dir (Upstream or Downstream) of
// a stream, or of datagrams, with no toxic in force; r is the source of
// its draws. It panics if dir is Both or r is nil.
func NewLink(dir Direction, datagrams bool, r rand.Source) *Link {
	if dir != Upstream && dir != Downstream {
		panic("fault: NewLink(" + dir.String() + "): a link has one direction")
	}
	if r == nil {
		panic("fault: NewLink with a nil random source")
	}
	return &Link{dir: dir, datagrams: datagrams, rnd: r}
}

// Set makes toxics, those of them that act on the link's direction and
// kind of traffic, in that order, the ones in force from time now. A
// toxic already in force (the same pointer) keeps its state; a new one
// takes effect at now, its toxicity drawn. Set reports whether a toxic in
// force was removed. The link keeps the pointers: the toxics must not
// change while they are in force.
func (l *Link) Set(now time.Time, toxics []*Toxic) (removed bool) {
	next := make([]*stage, 0, len(toxics))
	for _, t := range toxics {
		if t == nil || !t.dir.has(l.dir) {
			continue
		}
		if l.datagrams && !t.forDatagrams() || !l.datagrams && !t.forStreams() {
			continue
		}
		s := l.find(t)
		if s == nil {
			s = &stage{t: t, start: now, on: l.chance(1 - t.toxicity)}
		}
		next = append(next, s)
	}
	for _, s := range l.stages {
		if s.on && !contains(next, s) {
			removed = true
		}
	}
	l.stages = next
	return removed
}

func (l *Link) find(t *Toxic) *stage {
	for _, s := range l.stages {
		if s.t == t {
			return s
		}
	}
	return nil
}

func contains(ss []*stage, s *stage) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Active reports whether a toxic chosen by its toxicity is in force.
func (l *Link) Active() bool {
	for _, s := range l.stages {
		if s.on {
			return true
		}
	}
	return false
}

// Slicing reports whether a slicer is in force (chosen by its toxicity):
// its pieces are meant to reach the reader one read each, so a driver
// that buffers a stream keeps their bounds.
func (l *Link) Slicing() bool {
	for _, s := range l.stages {
		if s.on && s.t.kind == kindSlicer {
			return true
		}
	}
	return false
}

// Names appends the names of the toxics in force that toxicity chose for
// the link to dst, in order: what an event reports as their Effect.
func (l *Link) Names(dst []string) []string {
	for _, s := range l.stages {
		if s.on {
			dst = append(dst, s.t.Name())
		}
	}
	return dst
}

// Send hands the link the chunk p, sent at time at, and appends the
// pieces of it to deliver, and when, to out (see the contract in Link's
// doc). Once End's time has come, nothing more is delivered.
func (l *Link) Send(at time.Time, p []byte, out []Piece) []Piece {
	if len(p) == 0 {
		return out
	}
	if v, t := l.End(); v != Open && !at.Before(t) {
		return out
	}
	cur := append(l.a[:0], Piece{Data: p, At: at})
	spare := l.b[:0]
	for _, s := range l.stages {
		if !s.on || len(cur) == 0 {
			continue
		}
		spare = s.data(l, cur, spare[:0])
		cur, spare = spare, cur
	}
	out = append(out, cur...)
	clear(cur)
	clear(spare)
	l.a, l.b = cur[:0], spare[:0]
	return out
}

// Close tells the link that the sender closed its side at time at, and
// returns when the other end sees it: after what was sent before, later
// by a SlowClose.
func (l *Link) Close(at time.Time) time.Time {
	for _, s := range l.stages {
		if s.on {
			at = s.passEnd(Closed, at)
		}
	}
	return at
}

// End reports whether the toxics end the stream themselves, how
// (Closed or ResetByPeer) and when; Open and the zero time if they do not
// (yet: LimitData ends it once its bytes have passed, Reset once data
// has reached it).
func (l *Link) End() (Verdict, time.Time) {
	v, at := Open, time.Time{}
	for i, s := range l.stages {
		if !s.on {
			continue
		}
		sv, st := s.end()
		if sv == Open {
			continue
		}
		for _, later := range l.stages[i+1:] {
			if later.on {
				st = later.passEnd(sv, st)
			}
		}
		if v == Open || st.Before(at) {
			v, at = sv, st
		}
	}
	return v, at
}

// Refuses reports whether a dial must fail (as Verdict Refused) because
// of toxics, the toxics in force on the dial's target: true if one of
// them is a Refuse that its toxicity, drawn from r for this dial, chooses.
func Refuses(toxics []*Toxic, r rand.Source) bool {
	for _, t := range toxics {
		if t != nil && t.kind == kindRefuse && chance(r, 1-t.toxicity) {
			return true
		}
	}
	return false
}

// chance draws true with probability p; it draws from the source only if
// 0 < p < 1.
func (l *Link) chance(p float64) bool { return chance(l.rnd, p) }

func chance(r rand.Source, p float64) bool {
	switch {
	case p >= 1:
		return true
	case p <= 0:
		return false
	}
	return float64(r.Uint64()>>11)*0x1p-53 < p
}

// between draws a uniform integer in [-n, n]; n > 0.
func (l *Link) between(n int64) int64 {
	return int64(l.rnd.Uint64()%uint64(2*n+1)) - n
}

// data applies the stage to the pieces in, in order, appending what it
// lets through to out.
func (s *stage) data(l *Link, in, out []Piece) []Piece {
	t := s.t
	switch t.kind {
	case kindLatency:
		for _, p := range in {
			d := t.d1
			if t.d2 > 0 {
				d += time.Duration(l.between(int64(t.d2)))
			}
			at := p.At.Add(max(d, 0))
			if !l.datagrams && at.Before(s.last) {
				at = s.last
			}
			s.last = later(s.last, at)
			out = append(out, Piece{Data: p.Data, At: at})
		}
	case kindBandwidth:
		if t.n1 <= 0 {
			return append(out, in...)
		}
		rate := uint64(t.n1)
		quantum := max(int(t.n1/100), 1) // a stream's bytes flow: a piece per 10 ms of the link's time
		for _, p := range in {
			if s.busy.Before(p.At) {
				s.busy, s.rem = p.At, 0 // idle until now
			}
			for data := p.Data; len(data) > 0; {
				n := len(data) // a datagram is delivered whole
				if !l.datagrams {
					n = min(n, quantum)
				}
				ns := uint64(n)*uint64(time.Second) + s.rem
				s.busy = s.busy.Add(time.Duration(ns / rate))
				s.rem = ns % rate
				out = append(out, Piece{Data: data[:n], At: s.busy})
				data = data[n:]
			}
		}
	case kindTimeout:
		// Nothing gets through.
	case kindReset:
		if !s.armed {
			s.armed, s.endAt = true, in[0].At.Add(t.d1)
		}
	case kindSlicer:
		for _, p := range in {
			cuts := s.cut(l, nil, 0, len(p.Data))
			for i := 0; i+1 < len(cuts); i++ {
				at := later(p.At, s.last)
				out = append(out, Piece{Data: p.Data[cuts[i]:cuts[i+1]], At: at})
				s.last = at.Add(t.d1)
			}
		}
	case kindLimitData:
		for _, p := range in {
			if s.ended {
				break
			}
			data := p.Data
			if left := t.n1 - s.sent; int64(len(data)) > left {
				data = data[:left]
			}
			if len(data) > 0 {
				out = append(out, Piece{Data: data, At: p.At})
				s.sent += int64(len(data))
			}
			if s.sent >= t.n1 {
				s.ended, s.endAt = true, p.At
			}
		}
	case kindDrop:
		for _, p := range in {
			if !l.chance(t.p) {
				out = append(out, p)
			}
		}
	default: // slow_close passes the data; refuse is for dials
		out = append(out, in...)
	}
	return out
}

// cut appends to cuts the offsets that slice [start, end) into pieces of
// about the slicer's average size, halving around the middle as
// toxiproxy's slicer does, so that no end of the chunk tends to small
// pieces.
func (s *stage) cut(l *Link, cuts []int, start, end int) []int {
	avg, vary := int(s.t.n1), int(s.t.n2)
	if end-start-avg <= vary {
		if len(cuts) == 0 {
			cuts = append(cuts, start)
		}
		return append(cuts, end)
	}
	mid := start + (end-start)/2
	if vary > 0 {
		mid += int(l.between(int64(vary)))
	}
	cuts = s.cut(l, cuts, start, mid)
	return s.cut(l, cuts, mid, end)
}

// end returns the stage's own end of the stream, if it has one.
func (s *stage) end() (Verdict, time.Time) {
	switch s.t.kind {
	case kindTimeout:
		if s.t.d1 > 0 {
			return Closed, s.start.Add(s.t.d1)
		}
	case kindReset:
		if s.armed {
			return ResetByPeer, s.endAt
		}
	case kindLimitData:
		if s.ended {
			return Closed, s.endAt
		}
	}
	return Open, time.Time{}
}

// passEnd returns when an end of the stream (v) that reached the stage at
// time at leaves it: after the pieces it holds, later by a delay.
func (s *stage) passEnd(v Verdict, at time.Time) time.Time {
	t := s.t
	switch t.kind {
	case kindLatency:
		return later(at.Add(t.d1), s.last)
	case kindBandwidth:
		return later(at, s.busy)
	case kindSlicer:
		return later(at, s.last)
	case kindSlowClose:
		if v == Closed {
			return at.Add(t.d1)
		}
	}
	return at
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}
