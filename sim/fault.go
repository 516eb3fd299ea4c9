package sim

import (
	"cmp"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"slices"
	"time"

	"github.com/coop-go/coop/netx/fault"
)

// Faults in a world: World.Inject puts toxics on the conns between two
// hosts, and each direction of a conn (a pipe) runs its bytes through a
// fault.Link, the engine real conns use too, driven here by the pipe: the
// chunks its writer gives, the world's virtual clock (time.Now in the
// bubble, and bubble timers to wake a reader when a piece falls due), and
// a random source seeded from the world's seed and the conn's addresses,
// so that a toxic does the same thing in every run of a seed, whatever
// the order of the conns' calls.

// An injection is one World.Inject: its toxics, as the pipes from host
// from to host to see them (up) and as the pipes the other way do (down),
// each made an Upstream toxic of that pipe.
type injection struct {
	from, to string
	all      []*fault.Toxic // as given, for dials (Refuse)
	up, down []*fault.Toxic
}

func newInjection(from, to string, toxics []fault.Toxic) *injection {
	inj := &injection{from: from, to: to}
	for _, t := range toxics {
		inj.all = append(inj.all, &t)
		if d := t.Direction(); d == fault.Both || d == fault.Upstream {
			u := t.On(fault.Upstream)
			inj.up = append(inj.up, &u)
		}
		if d := t.Direction(); d == fault.Both || d == fault.Downstream {
			u := t.On(fault.Upstream)
			inj.down = append(inj.down, &u)
		}
	}
	return inj
}

// Inject applies toxics to the conns between hosts from and to, those
// open and those to come, until remove is called: Upstream toxics to what
// from sends to, Downstream ones to what from receives from it, Both to
// both; a Refuse makes from's dials of to fail as refused. Every time is
// virtual: a Latency of d with no jitter delays each byte by exactly d.
// Removing the toxics delivers what they held at once, in order: nothing
// is lost or reordered by the removal. Toxicity draws, jitter and drops
// come from the world's seed.
func (w *World) Inject(from, to string, toxics ...fault.Toxic) (remove func()) {
	return w.net.inject(from, to, toxics)
}

func (n *Network) inject(from, to string, toxics []fault.Toxic) func() {
	inj := newInjection(from, to, toxics)
	n.mu.Lock()
	n.faults = append(n.faults, inj)
	n.mu.Unlock()
	n.refreshFaults(from, to)
	return func() {
		n.mu.Lock()
		i := slices.Index(n.faults, inj)
		if i >= 0 {
			n.faults = slices.Delete(n.faults, i, i+1)
		}
		n.mu.Unlock()
		if i >= 0 {
			n.refreshFaults(from, to)
		}
	}
}

// toxicsLocked returns the toxics of the pipes from host src to host dst;
// n.mu is held.
func (n *Network) toxicsLocked(src, dst string) []*fault.Toxic {
	var out []*fault.Toxic
	for _, inj := range n.faults {
		switch {
		case inj.from == src && inj.to == dst:
			out = append(out, inj.up...)
		case inj.from == dst && inj.to == src:
			out = append(out, inj.down...)
		}
	}
	return out
}

// refuses reports whether a dial from host src to host dst is refused by
// a toxic.
func (n *Network) refuses(src, dst string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ts []*fault.Toxic
	for _, inj := range n.faults {
		if inj.from == src && inj.to == dst {
			ts = append(ts, inj.all...)
		}
	}
	if len(ts) == 0 {
		return false
	}
	if n.dials == nil {
		n.dials = rand.NewPCG(n.seed, 0x72656675)
	}
	return fault.Refuses(ts, n.dials)
}

// refreshFaults gives the pipes of the conns between a and b the toxics
// in force now.
func (n *Network) refreshFaults(a, b string) {
	n.mu.Lock()
	ends := n.endsBetween(a, b)
	type job struct {
		p  *pipe
		ts []*fault.Toxic
	}
	var jobs []job
	for _, e := range ends {
		if e.wr.src == nil {
			continue
		}
		jobs = append(jobs, job{e.wr, n.toxicsLocked(e.wr.src.name, e.wr.dst.name)})
	}
	n.mu.Unlock()
	for _, j := range jobs {
		j.p.setToxics(j.ts)
	}
}

// linkSource returns the random source of the link of the pipe from
// local to remote: the world's seed and the conn's addresses.
func linkSource(seed uint64, local, remote *net.TCPAddr) rand.Source {
	h := fnv.New64a()
	h.Write([]byte(local.String() + ">" + remote.String()))
	return rand.NewPCG(seed, h.Sum64())
}

// A timed piece is bytes a toxic delivers at a time.
type timed struct {
	b  []byte
	at time.Time
}

// initToxics gives a new pipe the toxics in force at its dial.
func (p *pipe) initToxics(ts []*fault.Toxic) {
	if len(ts) > 0 {
		p.setToxics(ts)
	}
}

// setToxics makes ts the toxics of p's link, making one if need be.
func (p *pipe) setToxics(ts []*fault.Toxic) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.link == nil {
		if len(ts) == 0 {
			return
		}
		p.link = fault.NewLink(fault.Upstream, false, linkSource(p.seed, p.srcAddr, p.dstAddr))
	}
	if p.link.Set(now, ts) {
		// Removed: what the link holds is due now, in order.
		for i := range p.timed {
			if p.timed[i].at.After(now) {
				p.timed[i].at = now
			}
		}
		if p.finAt.After(now) {
			p.finAt = now
		}
	}
	p.checkEndLocked(now)
	p.notify()
}

// sendLocked gives the link a chunk the writer wrote at now; p.mu is held.
func (p *pipe) sendLocked(now time.Time, b []byte) {
	chunk := slices.Clone(b)
	last := now
	if n := len(p.timed); n > 0 {
		last = p.timed[n-1].at
	}
	if p.link != nil && p.link.Active() {
		p.scratch = p.link.Send(now, chunk, p.scratch[:0])
		for _, pc := range p.scratch {
			at := pc.At
			if at.Before(last) {
				at = last
			}
			p.timed = append(p.timed, timed{pc.Data, at})
			p.timedLen += len(pc.Data)
			last = at
		}
		clear(p.scratch)
		p.checkEndLocked(now)
		return
	}
	// No toxic, but bytes it delayed are still on their way: after them.
	p.timed = append(p.timed, timed{chunk, last})
	p.timedLen += len(chunk)
}

// checkEndLocked records the link's verdict, if it has one; p.mu is held.
func (p *pipe) checkEndLocked(now time.Time) {
	if p.link == nil || !p.endAt.IsZero() {
		return
	}
	if v, at := p.link.End(); v != fault.Open {
		p.verdict, p.endAt = v, at
	}
}

// promoteLocked moves the pieces due at now into buf, in order (one at a
// time under a slicer, each for a read of its own), applies a verdict that
// has come, and returns when p next changes by itself (zero: never); p.mu
// is held.
func (p *pipe) promoteLocked(now time.Time) (next time.Time) {
	if !p.endAt.IsZero() && !now.Before(p.endAt) && !p.ended {
		p.ended = true
		keep := p.timed[:0]
		for _, t := range p.timed {
			if !t.at.After(p.endAt) {
				keep = append(keep, t)
			} else {
				p.timedLen -= len(t.b)
			}
		}
		p.timed = keep
		p.endBoth()
	}
	slicing := p.link != nil && p.link.Slicing()
	for len(p.timed) > 0 && !p.timed[0].at.After(now) {
		if slicing && len(p.buf) > 0 {
			break
		}
		t := p.timed[0]
		p.timed = p.timed[1:]
		p.timedLen -= len(t.b)
		p.buf = append(p.buf, t.b...)
		if slicing {
			break
		}
	}
	if len(p.timed) > 0 {
		next = p.timed[0].at
	}
	if !p.endAt.IsZero() && !p.ended && (next.IsZero() || p.endAt.Before(next)) {
		next = p.endAt
	}
	if p.fin && p.finAt.After(now) && (next.IsZero() || p.finAt.Before(next)) {
		next = p.finAt
	}
	return next
}

// endBoth ends the conn both ways, as a toxic's verdict does: Closed as a
// close (EOF after what was due, a broken pipe to writers), ResetByPeer as
// a reset; p.mu is held, the other direction's is taken after.
func (p *pipe) endBoth() {
	v := p.verdict
	apply := func(q *pipe) {
		switch v {
		case fault.Closed:
			q.fin = true
		case fault.ResetByPeer:
			if q.err == nil {
				q.err, q.buf, q.timed, q.timedLen = errReset, nil, nil, 0
			}
		}
	}
	apply(p)
	if q := p.peer; q != nil {
		go func() { // q's lock is not taken under p's
			q.mu.Lock()
			apply(q)
			q.notify()
			q.mu.Unlock()
		}()
	}
}

// wakeAtLocked arms p's timer to wake its waiters at t; p.mu is held.
func (p *pipe) wakeAtLocked(now, t time.Time) {
	if t.IsZero() || (!p.wakeAt.IsZero() && !p.wakeAt.After(t) && p.wakeAt.After(now)) {
		return
	}
	if p.wake != nil {
		p.wake.Stop()
	}
	p.wakeAt = t
	p.wake = time.AfterFunc(t.Sub(now), func() {
		p.mu.Lock()
		p.wakeAt = time.Time{}
		p.notify()
		p.mu.Unlock()
	})
}

// A timedDatagram is a datagram a toxic delivers at a time.
type timedDatagram struct {
	d   datagram
	at  time.Time
	seq uint64 // datagrams due at one time arrive in the order sent
}

// toxic runs a datagram s sends to host to through the toxics in force:
// it reports false if they drop it, and when it arrives (zero: now).
func (s *socket) toxic(to *host, data []byte) (at time.Time, ok bool) {
	n := s.host.net
	n.mu.Lock()
	ts := n.toxicsLocked(s.host.name, to.name)
	seed := n.seed
	n.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.links[to.name]
	if l == nil {
		if len(ts) == 0 {
			return time.Time{}, true
		}
		if s.links == nil {
			s.links = map[string]*fault.Link{}
		}
		h := fnv.New64a()
		h.Write([]byte(s.addr.String() + ">" + to.name))
		l = fault.NewLink(fault.Upstream, true, rand.NewPCG(seed, h.Sum64()))
		s.links[to.name] = l
	}
	now := time.Now()
	l.Set(now, ts)
	if !l.Active() {
		return time.Time{}, true
	}
	pieces := l.Send(now, data, nil)
	if len(pieces) == 0 {
		return time.Time{}, false
	}
	if at := pieces[0].At; at.After(now) {
		return at, true
	}
	return time.Time{}, true
}

// deliverAt queues d to arrive at at, in order of time then sending.
func (s *socket) deliverAt(d datagram, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.seq++
	t := timedDatagram{d: d, at: at, seq: s.seq}
	i, _ := slices.BinarySearchFunc(s.pending, t, func(a, b timedDatagram) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	s.pending = slices.Insert(s.pending, i, t)
	s.armLocked()
}

// armLocked arms s's timer for its first pending datagram; s.mu is held.
func (s *socket) armLocked() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if len(s.pending) == 0 {
		return
	}
	s.timer = time.AfterFunc(time.Until(s.pending[0].at), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		now := time.Now()
		for len(s.pending) > 0 && !s.pending[0].at.After(now) {
			if !s.done && len(s.queue) < queueCap {
				s.queue = append(s.queue, s.pending[0].d)
			}
			s.pending = s.pending[1:]
		}
		s.notify()
		s.armLocked()
	})
}
