package fault

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coop-go/coop/internal/deadline"
	"github.com/coop-go/coop/internal/faultnet"
	"github.com/coop-go/coop/iox"
)

// How much a stream holds before it stops taking more: on the way in, it
// stops reading the socket (the kernel's window then holds the sender
// back); on the way out, the program's Write waits. A TCP window of this
// size, in effect.
const (
	inboxLimit  = 4 << 20
	outboxLimit = 4 << 20
	maxRead     = 64 << 10
)

// stream drives the two Links of one real netx conn (see the package doc,
// "Real conns"). Its mutex is held only between blocking operations:
// every wait parks on a channel (op.Wait, a timer), a socket's read or
// write, never on the mutex while another holds it across one.
//
// The invariant that keeps every byte: whatever a stream has taken from
// the socket and not delivered (inbox), or from the program and not
// written (outbox, its closing), marks it dirty, and a dirty stream keeps
// the driver installed and stays its conn's stream, so every call of the
// conn goes through it and delivers what it holds first. A stream
// detaches (its conn goes back to the direct path) only when it holds
// nothing and no toxic matches its conn.
type stream struct {
	c       faultnet.Conn
	packet  bool
	closeRW interface {
		CloseRead() error
		CloseWrite() error
	} // nil if the conn has none
	filer interface{ File() (*os.File, error) } // nil if its socket cannot be shared

	mu       sync.Mutex
	detached bool
	gen      uint64
	toxics   []*Toxic
	down, up *Link
	scratch  []Piece
	waiters  []*waiter
	kick     chan struct{} // wakes the agent
	dirty    bool

	inbox   []held // taken from the socket, not delivered
	inBytes int
	rerr    error // the socket's read error (EOF), after the inbox
	rerrAt  time.Time

	outbox   []held // taken from the program, not written
	outBytes int
	agent    bool     // the agent goroutine runs
	dup      *os.File // the conn's socket, shared: the agent writes through it
	werr     error    // a write the agent made failed: later Writes fail so
	wshut    bool     // the program shut the writing side
	shut     func() error
	shutAt   time.Time
	closing  bool // the program closed the conn; the agent closes the socket at closeAt
	closeAt  time.Time
	closed   bool // the program closed the conn
	writing  int  // Writes writing their pieces themselves (writeOwn)

	end Verdict // how a toxic ended the stream; Open if none has
}

// held is bytes a stream holds, and when they are to be delivered.
type held struct {
	data []byte
	at   time.Time // when they reach the other end
	sent time.Time // when the stream took them
}

// waiter is a wait of a call of the stream, woken by cancel.
type waiter struct{ cancel context.CancelFunc }

func newStream(c *faultnet.Conn) *stream {
	st := &stream{c: *c, kick: make(chan struct{}, 1)}
	if a := c.Raw.RemoteAddr(); a != nil {
		st.packet = isPacket(a.Network())
	} else if a := c.Raw.LocalAddr(); a != nil {
		st.packet = isPacket(a.Network())
	}
	src := rand.NewPCG(rand.Uint64(), rand.Uint64())
	st.down = NewLink(Downstream, st.packet, src)
	st.up = NewLink(Upstream, st.packet, src)
	st.closeRW, _ = c.Raw.(interface {
		CloseRead() error
		CloseWrite() error
	})
	switch c.Raw.(type) {
	case *net.TCPConn, *net.UnixConn, *net.UDPConn:
		st.filer = c.Raw.(interface{ File() (*os.File, error) })
	}
	return st
}

func isPacket(network string) bool {
	return strings.HasPrefix(network, "udp") || strings.HasPrefix(network, "ip") || network == "unixgram" || network == "unixpacket"
}

func (st *stream) isDetached() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.detached
}

// bind brings the stream to generation g, with toxics, and reports
// whether it stays its conn's stream.
func (st *stream) bind(g uint64, toxics []*Toxic) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	t := now()
	st.sync(t, g, toxics)
	st.settle(t)
	return !st.detached
}

// refresh brings the stream to the current generation; st.mu is held.
func (st *stream) refresh(t time.Time) {
	if g := faultnet.Gen(); g != st.gen {
		st.sync(t, g, reg.match(st.c.Target, nil))
	}
}

// sync makes toxics the ones in force; what a removed toxic held is due
// at once. st.mu is held.
func (st *stream) sync(t time.Time, g uint64, toxics []*Toxic) {
	st.gen, st.toxics = g, toxics
	if st.down.Set(t, toxics) {
		for i := range st.inbox {
			st.inbox[i].at = earlier(st.inbox[i].at, t)
		}
		if st.rerr != nil {
			st.rerrAt = earlier(st.rerrAt, t)
		}
	}
	if st.up.Set(t, toxics) {
		for i := range st.outbox {
			st.outbox[i].at = earlier(st.outbox[i].at, t)
		}
		st.shutAt, st.closeAt = earlier(st.shutAt, t), earlier(st.closeAt, t)
	}
	st.wakeAll()
	st.schedule()
}

// Read reads through the downstream's toxics (faultnet.Stream).
func (st *stream) Read(op *iox.Op, b []byte) (int, error) {
	if len(b) == 0 {
		return st.c.Raw.Read(b)
	}
	lost := 0
	st.mu.Lock()
	for {
		t := op.Now()
		st.refresh(t)
		if st.detached {
			st.mu.Unlock()
			return st.c.Raw.Read(b)
		}
		if st.closed {
			st.mu.Unlock()
			return 0, st.opErr("read", net.ErrClosed)
		}
		st.fireDue(t)
		if n, sent := st.deliver(b, t); n > 0 {
			eff := st.effect(op, st.down, t.Sub(sent), lost)
			st.settle(t)
			st.mu.Unlock()
			report(op, eff)
			return n, nil
		}
		if st.end != Open {
			err := st.endErr("read")
			eff := st.effect(op, st.down, 0, lost)
			st.settle(t)
			st.mu.Unlock()
			report(op, eff)
			return 0, err
		}
		if len(st.inbox) == 0 && st.rerr != nil && !t.Before(st.rerrAt) {
			err := st.rerr
			st.settle(t)
			st.mu.Unlock()
			return 0, err
		}
		if !st.down.Active() && len(st.inbox) == 0 && st.rerr == nil {
			// Nothing on the way in: the socket's own read.
			st.settle(t)
			st.mu.Unlock()
			n, err := st.c.Raw.Read(b)
			return n, st.mapErr("read", err)
		}
		next := st.nextIn()
		if st.rerr != nil || st.inBytes >= inboxLimit {
			// Nothing more to take now: wait for what is held.
			if err := st.pause(op, next, st.c.Read, "read"); err != nil {
				st.mu.Unlock()
				return 0, err
			}
			continue
		}
		st.mu.Unlock()
		// Read the socket until what is held is due, if anything is: the
		// bytes that arrive meanwhile are stamped when they do.
		buf := make([]byte, st.readSize(len(b)))
		n, err := sockRead(st.c.Raw, st.c.Read, buf, next)
		stamp := op.Now()
		st.mu.Lock()
		if n > 0 {
			lost += st.take(stamp, buf[:n])
		}
		switch {
		case err == nil, st.end != Open, ours(next, err, stamp):
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The call's own deadline, a kill or a scope: what was read
			// stays held for the next Read.
			st.settle(stamp)
			st.mu.Unlock()
			return 0, err
		case st.packet:
			st.mu.Unlock()
			return 0, err // a datagram's error (a refused port) is not the end of anything
		case st.rerr == nil:
			st.rerr, st.rerrAt = err, st.down.Close(stamp)
		}
	}
}

// readSize is how much a read takes from the socket: a whole datagram
// into a buffer as large as the caller's (so that truncation is the
// socket's), a stream's bytes up to maxRead.
func (st *stream) readSize(n int) int {
	if st.packet {
		return n
	}
	return min(n, maxRead)
}

// sockRead reads the socket into buf, at the latest until until (zero:
// no limit of its own), which it sets through the conn's deadline keeper
// as a call's limit, so that the user's deadline, a scope and a kill
// still cut it short.
func sockRead(c net.Conn, k *deadline.Keeper, buf []byte, until time.Time) (int, error) {
	if until.IsZero() {
		return c.Read(buf)
	}
	key := new(byte)
	k.Begin(key, until)
	n, err := c.Read(buf)
	k.End(key)
	return n, err
}

// ours reports whether err is the timeout of the limit until, which has
// passed at time t.
func ours(until time.Time, err error, t time.Time) bool {
	return !until.IsZero() && !t.Before(until) && errors.Is(err, os.ErrDeadlineExceeded)
}

// take puts what the socket gave at time t through the downstream's
// toxics and holds the pieces; it returns how many bytes they lost.
// st.mu is held.
func (st *stream) take(t time.Time, data []byte) (lost int) {
	pieces := st.down.Send(t, data, st.scratch[:0])
	lost = len(data)
	for _, p := range pieces {
		lost -= len(p.Data)
		h := held{data: p.Data, at: p.At, sent: t}
		st.inBytes += len(h.data)
		if st.packet {
			// Datagrams go by their time: jitter may reorder them.
			i := len(st.inbox)
			for i > 0 && h.at.Before(st.inbox[i-1].at) {
				i--
			}
			st.inbox = slices.Insert(st.inbox, i, h)
		} else {
			st.inbox = append(st.inbox, h)
		}
	}
	clear(pieces)
	st.scratch = pieces[:0]
	st.schedule()
	return lost
}

// deliver copies into b what is due at t, in order (one datagram, for a
// packet conn; one piece, under a slicer), and returns how much and when
// the first of it was taken. st.mu is held.
func (st *stream) deliver(b []byte, t time.Time) (n int, sent time.Time) {
	one := st.packet || st.down.Slicing()
	for len(st.inbox) > 0 && n < len(b) && !st.inbox[0].at.After(t) {
		h := &st.inbox[0]
		if n == 0 {
			sent = h.sent
		}
		k := copy(b[n:], h.data)
		n += k
		st.inBytes -= k
		h.data = h.data[k:]
		if st.packet {
			// The rest of a datagram too large for b is lost, as the
			// socket's would be.
			st.inBytes -= len(h.data)
			h.data = nil
		}
		if len(h.data) > 0 {
			break // b is full
		}
		st.inbox[0] = held{}
		st.inbox = st.inbox[1:]
		if one {
			break
		}
	}
	return n, sent
}

// nextIn returns when what is held on the way in is next due.
func (st *stream) nextIn() time.Time {
	if len(st.inbox) > 0 {
		return st.inbox[0].at
	}
	if st.rerr != nil {
		return st.rerrAt
	}
	return time.Time{}
}

// Write writes through the upstream's toxics (faultnet.Stream). Bytes a
// toxic delays are copied and written by the stream's agent at their
// time, and Write returns at once, as a write to a socket whose buffer
// has room does; on a conn whose socket cannot be shared, Write writes
// them itself, waiting for each.
func (st *stream) Write(op *iox.Op, b []byte) (int, error) {
	if len(b) == 0 {
		return st.c.Raw.Write(b)
	}
	st.mu.Lock()
	for {
		t := op.Now()
		st.refresh(t)
		if st.detached {
			st.mu.Unlock()
			return st.c.Raw.Write(b)
		}
		if st.closed {
			st.mu.Unlock()
			return 0, st.opErr("write", net.ErrClosed)
		}
		st.fireDue(t)
		if err := st.writeErr(); err != nil {
			st.settle(t)
			st.mu.Unlock()
			return 0, err
		}
		if !st.up.Active() && len(st.outbox) == 0 {
			// Nothing on the way out: the socket's own write.
			st.settle(t)
			st.mu.Unlock()
			n, err := st.c.Raw.Write(b)
			return n, st.mapErr("write", err)
		}
		if len(st.outbox) > 0 && st.outBytes+len(b) > outboxLimit {
			if err := st.pause(op, time.Time{}, st.c.Write, "write"); err != nil {
				st.mu.Unlock()
				return 0, err
			}
			continue
		}
		pieces := st.up.Send(t, b, st.scratch[:0])
		lost, delay := len(b), time.Duration(0)
		for _, p := range pieces {
			lost -= len(p.Data)
			delay = max(delay, p.At.Sub(t))
		}
		eff := st.effect(op, st.up, delay, lost)
		st.schedule()
		if len(pieces) > 0 && (len(st.outbox) > 0 || delay > 0) && st.shareSocket() {
			own := bytes.Clone(b)
			for _, p := range pieces {
				off := offset(b, p.Data)
				h := held{data: own[off : off+len(p.Data)], at: p.At, sent: t}
				st.outbox = append(st.outbox, h)
				st.outBytes += len(h.data)
			}
			clear(pieces)
			st.scratch = pieces[:0]
			st.startAgent()
			st.settle(t)
			st.mu.Unlock()
			report(op, eff)
			return len(b), nil
		}
		ps := slices.Clone(pieces)
		clear(pieces)
		st.scratch = pieces[:0]
		st.writing++ // an end the toxics give waits for these pieces (fireDue)
		st.mu.Unlock()
		n, err := st.writeOwn(op, b, ps)
		st.mu.Lock()
		st.writing--
		t = op.Now()
		st.fireDue(t)
		st.schedule() // an end still to come: the agent fires it
		st.settle(t)
		st.mu.Unlock()
		if err != nil {
			return n, err
		}
		report(op, eff)
		return len(b), nil
	}
}

// writeOwn writes pieces of b, in order, each at its time, as part of
// Write's call op, on a conn whose socket the agent cannot share; the
// pieces due after an end the toxics give are lost, as the Link's
// contract says. st.mu is not held.
func (st *stream) writeOwn(op *iox.Op, b []byte, ps []Piece) (int, error) {
	for _, p := range ps {
		st.mu.Lock()
		if v, at := st.toxicEnd(); v != Open && p.At.After(at) {
			st.mu.Unlock()
			return len(b), nil
		}
		if p.At.After(op.Now()) {
			if err := st.pause(op, p.At, st.c.Write, "write"); err != nil {
				st.mu.Unlock()
				return offset(b, p.Data), err
			}
		}
		st.mu.Unlock()
		n, err := st.c.Raw.Write(p.Data)
		if err != nil {
			return offset(b, p.Data) + n, st.mapErr("write", err)
		}
	}
	return len(b), nil
}

// offset returns where sub, a subslice of b, starts in b.
func offset(b, sub []byte) int { return cap(b) - cap(sub) }

// writeErr returns the error a Write fails with at once, if any; st.mu is
// held.
func (st *stream) writeErr() error {
	switch {
	case st.end != Open:
		return st.endErr("write")
	case st.werr != nil:
		return st.werr
	case st.wshut:
		return st.opErr("write", os.NewSyscallError("write", syscall.EPIPE))
	}
	return nil
}

// shareSocket makes the socket the agent writes through, a second
// descriptor of the conn's (which has no deadline of its own), and
// reports whether there is one. st.mu is held.
func (st *stream) shareSocket() bool {
	if st.dup != nil {
		return true
	}
	if st.filer == nil || st.closed {
		return false
	}
	f, err := st.filer.File()
	if err != nil {
		st.filer = nil
		return false
	}
	st.dup = f
	return true
}

// Close closes the conn (faultnet.Stream): at once for the program, and
// for the remote after what the upstream still holds, and after a
// SlowClose.
func (st *stream) Close() error {
	st.mu.Lock()
	t := now()
	st.refresh(t)
	if st.detached || st.closed {
		st.mu.Unlock()
		return st.c.Raw.Close()
	}
	at := st.up.Close(t)
	later := st.end == Open && st.werr == nil && (len(st.outbox) > 0 || st.shut != nil || at.After(t))
	if later && st.shareSocket() {
		st.closed, st.closing, st.closeAt = true, true, at
		st.startAgent()
		st.settle(t)
		st.mu.Unlock()
		st.wakeCalls()
		return st.c.Raw.Close() // the socket lives on in st.dup until the agent closes it
	}
	st.closed = true
	reset := st.end == ResetByPeer
	st.dropOut()
	st.dropIn()
	if st.dup != nil {
		st.dup.Close()
		st.dup = nil
	}
	st.settle(t)
	st.mu.Unlock()
	st.wakeCalls()
	err := st.c.Raw.Close()
	if reset {
		return nil // the toxic closed the socket already
	}
	return err
}

// wakeCalls wakes the calls waiting in the stream.
func (st *stream) wakeCalls() {
	st.mu.Lock()
	st.wakeAll()
	st.mu.Unlock()
}

// CloseWrite shuts the writing side with shut (faultnet.Stream), after
// what the upstream holds and after a SlowClose.
func (st *stream) CloseWrite(shut func() error) error {
	st.mu.Lock()
	t := now()
	st.refresh(t)
	if st.detached || st.closed {
		st.mu.Unlock()
		return shut()
	}
	st.wshut = true
	if at := st.up.Close(t); st.end == Open && (len(st.outbox) > 0 || at.After(t)) {
		st.shut, st.shutAt = shut, at
		st.startAgent()
		st.settle(t)
		st.mu.Unlock()
		return nil
	}
	st.settle(t)
	st.mu.Unlock()
	return shut()
}

// startAgent makes sure the agent runs; st.mu is held.
func (st *stream) startAgent() {
	if st.agent {
		st.kickAgent()
		return
	}
	st.agent = true
	go st.run()
}

func (st *stream) kickAgent() {
	select {
	case st.kick <- struct{}{}:
	default:
	}
}

// schedule starts the agent if a toxic will end the stream, so that it
// ends at its time whatever the program is doing; st.mu is held.
func (st *stream) schedule() {
	if st.end != Open || st.closed && !st.closing {
		return
	}
	if v, _ := st.toxicEnd(); v != Open {
		st.startAgent()
	}
}

// run is the agent: a goroutine that writes what the upstream holds at
// its time, ends the stream when a toxic says, and closes the socket
// after the program's Close; it exits when there is nothing left to do.
func (st *stream) run() {
	st.mu.Lock()
	for {
		t := now()
		st.refresh(t)
		if st.end == Open && st.werr == nil && len(st.outbox) > 0 && !st.outbox[0].at.After(t) {
			h, f := st.outbox[0], st.dup
			st.mu.Unlock()
			_, err := f.Write(h.data)
			st.mu.Lock()
			if len(st.outbox) > 0 && &st.outbox[0].data[0] == &h.data[0] {
				st.outBytes -= len(h.data)
				st.outbox[0] = held{}
				st.outbox = st.outbox[1:]
			}
			if err != nil && st.werr == nil && st.end == Open {
				st.werr = st.opErr("write", unwrapFileErr(err))
				st.dropOut()
			}
			st.wakeAll()
			continue
		}
		st.fireDue(t)
		if st.end != Open || st.werr != nil {
			st.dropOut()
		}
		if st.shut != nil && len(st.outbox) == 0 && !t.Before(st.shutAt) {
			shut := st.shut
			st.shut = nil
			st.mu.Unlock()
			shut()
			st.mu.Lock()
			continue
		}
		if st.closing && len(st.outbox) == 0 && st.shut == nil && !t.Before(st.closeAt) {
			st.closing = false
			if st.dup != nil {
				st.dup.Close()
				st.dup = nil
			}
			continue
		}
		next := st.agentNext()
		if next.IsZero() {
			break
		}
		ctx := reg.changes()
		st.mu.Unlock()
		timer := iox.NewTimer(next.Sub(t))
		select {
		case <-timer.C:
		case <-ctx.Done():
		case <-st.kick:
		}
		timer.Stop()
		st.mu.Lock()
	}
	st.agent = false
	st.settle(now())
	st.mu.Unlock()
}

// agentNext returns when the agent has something to do next, zero for
// never; st.mu is held.
func (st *stream) agentNext() time.Time {
	var next time.Time
	soonest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	if len(st.outbox) > 0 {
		soonest(st.outbox[0].at)
	}
	if st.end == Open && (!st.closed || st.closing) && st.writing == 0 {
		if v, at := st.toxicEnd(); v != Open {
			soonest(at)
		}
	}
	if st.shut != nil {
		soonest(st.shutAt)
	}
	if st.closing {
		soonest(st.closeAt)
	}
	return next
}

// toxicEnd returns how and when the toxics end the stream, the earlier of
// its two directions; st.mu is held.
func (st *stream) toxicEnd() (Verdict, time.Time) {
	v, at := st.down.End()
	if uv, uat := st.up.End(); uv != Open && (v == Open || uat.Before(at)) {
		v, at = uv, uat
	}
	return v, at
}

// fireDue ends the stream if a toxic's end has come, once the agent has
// written what comes before it; st.mu is held.
func (st *stream) fireDue(t time.Time) {
	if st.end != Open || st.closed && !st.closing || st.writing > 0 {
		return // a Write writing its pieces fires the end when it is done
	}
	v, at := st.toxicEnd()
	if v == Open || t.Before(at) {
		return
	}
	if st.werr == nil && len(st.outbox) > 0 && !st.outbox[0].at.After(at) {
		return // the agent writes it first
	}
	st.end = v
	st.inbox = slices.DeleteFunc(st.inbox, func(h held) bool { return h.at.After(at) })
	st.inBytes = 0
	for _, h := range st.inbox {
		st.inBytes += len(h.data)
	}
	st.dropOut()
	switch v {
	case Closed:
		// A FIN both ways, without closing the program's descriptor: its
		// blocked calls wake, and the remote reads EOF.
		if !st.closed && st.closeRW != nil {
			st.closeRW.CloseWrite()
			st.closeRW.CloseRead()
		} else if !st.closed {
			st.c.Raw.Close()
		}
	case ResetByPeer:
		st.linger0()
		if !st.closed {
			st.c.Raw.Close()
		}
	}
	if st.dup != nil {
		st.dup.Close()
		st.dup = nil
	}
	st.closing = false
	st.wakeAll()
}

// linger0 makes the socket's close a reset (SO_LINGER 0), through the
// program's conn while it is open, else through the agent's descriptor.
func (st *stream) linger0() {
	if tc, ok := st.c.Raw.(*net.TCPConn); ok && !st.closed {
		tc.SetLinger(0)
		return
	}
	if st.dup == nil {
		return
	}
	if c, err := net.FileConn(st.dup); err == nil {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}
}

// endErr is what a call of the program gets once a toxic ended the
// stream: a read of a closed stream EOF, a write a broken pipe, either of
// a reset one ECONNRESET.
func (st *stream) endErr(op string) error {
	if st.end == ResetByPeer {
		return st.opErr(op, os.NewSyscallError(op, syscall.ECONNRESET))
	}
	if op == "read" {
		return io.EOF
	}
	return st.opErr(op, os.NewSyscallError(op, syscall.EPIPE))
}

// mapErr maps the error of a call the socket made to what the program
// must see if a toxic ended the stream meanwhile (closing the socket
// under it).
func (st *stream) mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.end != Open && !st.closed {
		return st.endErr(op)
	}
	return err
}

func (st *stream) opErr(op string, err error) error {
	oe := &net.OpError{Op: op, Source: st.c.Raw.LocalAddr(), Addr: st.c.Raw.RemoteAddr(), Err: err}
	if oe.Source != nil {
		oe.Net = oe.Source.Network()
	}
	return oe
}

// unwrapFileErr turns an *os.File's write error into the socket's.
func unwrapFileErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return os.NewSyscallError("write", pe.Err)
	}
	return err
}

func (st *stream) dropOut() {
	clear(st.outbox)
	st.outbox, st.outBytes = nil, 0
}

func (st *stream) dropIn() {
	clear(st.inbox)
	st.inbox, st.inBytes = nil, 0
}

// settle recomputes whether the stream is dirty, and detaches it when it
// holds nothing and no toxic matches; st.mu is held.
func (st *stream) settle(t time.Time) {
	dirty := len(st.inbox) > 0 || st.rerr != nil && t.Before(st.rerrAt) ||
		len(st.outbox) > 0 || st.agent || st.closing || st.shut != nil || st.writing > 0 ||
		st.end != Open && !st.closed
	if dirty != st.dirty {
		st.dirty = dirty
		if dirty {
			reg.dirty.Add(1)
		} else {
			reg.dirty.Add(-1)
		}
		reg.reconcile()
	}
	if !dirty && len(st.toxics) == 0 && !st.detached {
		st.detached = true
		st.c.Slot.Set(st.gen, nil)
	}
}

// pause waits, as part of call op, until until (zero: until woken), the
// side's deadline k, a kill, the call's scope, a change of the toxics or
// a wake of the stream's waiters (wakeAll), whichever comes first. It
// returns nil when the caller must look again, or the call's error.
// st.mu is held on entry and on return, and released while waiting.
//
// A SetDeadline made while it waits takes effect when it wakes.
func (st *stream) pause(op *iox.Op, until time.Time, k *deadline.Keeper, name string) error {
	t := op.Now()
	limit, user := until, false
	if u := k.User(); !u.IsZero() && (limit.IsZero() || u.Before(limit)) {
		limit, user = u, true
	}
	if !limit.IsZero() && !t.Before(limit) {
		if user {
			return st.opErr(name, os.ErrDeadlineExceeded)
		}
		return nil
	}
	ctx, cancel := context.WithCancel(reg.changes())
	w := &waiter{cancel: cancel}
	st.waiters = append(st.waiters, w)
	st.mu.Unlock()
	d := time.Duration(math.MaxInt64)
	if !limit.IsZero() {
		d = limit.Sub(t)
	}
	err := op.Wait(ctx, d)
	cancel()
	st.mu.Lock()
	st.waiters = slices.DeleteFunc(st.waiters, func(x *waiter) bool { return x == w })
	switch {
	case err == nil:
		if user {
			return st.opErr(name, os.ErrDeadlineExceeded)
		}
		return nil
	case errors.Is(err, iox.ErrKilled), errors.Is(err, iox.ErrTimeout):
		return st.opErr(name, err)
	case ctx.Err() != nil:
		return nil
	}
	return st.opErr(name, err)
}

// wakeAll wakes the calls waiting in the stream and the agent; st.mu is
// held.
func (st *stream) wakeAll() {
	for _, w := range st.waiters {
		w.cancel()
	}
	st.waiters = st.waiters[:0]
	st.kickAgent()
}

// effect is the Event detail of a call the toxics of link touched, nil if
// they did not or nobody reads it; st.mu is held.
func (st *stream) effect(op *iox.Op, l *Link, delay time.Duration, lost int) *Effect {
	if !op.Reported() || !l.Active() && delay <= 0 && lost == 0 && st.end == Open {
		return nil
	}
	return &Effect{Toxics: l.Names(nil), Delay: max(delay, 0), Lost: lost, End: st.end}
}

func report(op *iox.Op, eff *Effect) {
	if eff != nil {
		op.SetDetail(*eff)
	}
}

func earlier(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}
