package sim

import (
	"github.com/coop-go/coop/netx/fault"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// pipeCap is how many bytes one direction of a simulated TCP conn holds
// in flight: a writer whose reader does not read blocks once it is full.
const pipeCap = 64 << 10

// A pipe is one direction of a simulated TCP conn: the bytes written and
// not yet read, and what the writer and the network did to it. Every state
// change closes changed and makes a new one, which the blocked reader or
// writer selects on: waits park on channels, never on a contended mutex,
// so that the world's bubble can be quiescent.
type pipe struct {
	mu      sync.Mutex
	buf     []byte
	fin     bool  // the writer closed its side: EOF once buf is read
	err     error // the conn was reset: every call fails with it
	held    bool  // the hosts are partitioned: nothing passes
	gone    bool  // the reader closed its side: writes are refused
	changed chan struct{}

	// Faults (fault.go): set at the dial, for pipes between two hosts.
	src, dst         *host
	srcAddr, dstAddr *net.TCPAddr
	seed             uint64
	peer             *pipe // the other direction of the conn
	link             *fault.Link
	timed            []timed // bytes a toxic delays, in order, after buf
	timedLen         int
	scratch          []fault.Piece
	finAt            time.Time // when the reader sees fin (a SlowClose)
	verdict          fault.Verdict
	endAt            time.Time // when the verdict ends the conn
	ended            bool
	wake             *time.Timer // wakes waiters when a piece falls due
	wakeAt           time.Time
}

func newPipe() *pipe { return &pipe{changed: make(chan struct{})} }

// faulty reports whether toxics touch p: its bytes go through the link
// or the timed queue; p.mu is held.
func (p *pipe) faulty() bool { return p.link != nil || len(p.timed) > 0 || !p.endAt.IsZero() }

// shutLocked is the writer's close: fin, seen by the reader after what is
// on its way, later under a SlowClose; p.mu is held.
func (p *pipe) shutLocked() {
	if p.fin {
		return
	}
	p.fin = true
	if p.faulty() {
		now := time.Now()
		p.finAt = now
		if p.link != nil && p.link.Active() {
			p.finAt = p.link.Close(now)
		}
	}
}

// notify wakes whoever waits on the pipe; p.mu is held.
func (p *pipe) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// An end is one end of a simulated TCP conn: it reads from one pipe and
// writes to the other. It implements net.Conn with CloseRead and
// CloseWrite; netx wraps it, so that its calls go through the door.
type end struct {
	host          *host
	local, remote *net.TCPAddr
	rd, wr        *pipe
	rdl, wdl      deadline

	mu     sync.Mutex
	closed bool
	done   chan struct{} // closed by Close
}

func (e *end) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: e.local, Addr: e.remote, Err: err}
}

var errReset = os.NewSyscallError("read", syscall.ECONNRESET)

func (e *end) Read(b []byte) (int, error) {
	for {
		if e.rdl.passed() && !e.isClosed() {
			return 0, e.opError("read", os.ErrDeadlineExceeded)
		}
		p := e.rd
		p.mu.Lock()
		var now, next time.Time
		if p.faulty() {
			now = time.Now()
			next = p.promoteLocked(now)
		}
		switch {
		case e.isClosed():
			p.mu.Unlock()
			return 0, e.opError("read", net.ErrClosed)
		case p.err != nil:
			err := p.err
			p.mu.Unlock()
			return 0, e.opError("read", err)
		case len(p.buf) > 0 && !p.held:
			if len(b) == 0 {
				p.mu.Unlock()
				return 0, nil
			}
			n := copy(b, p.buf)
			p.buf = p.buf[n:]
			p.notify() // room for the writer
			p.mu.Unlock()
			return n, nil
		case p.fin && len(p.buf) == 0 && len(p.timed) == 0 && !p.finAt.After(now):
			p.mu.Unlock()
			return 0, io.EOF
		}
		if !next.IsZero() {
			p.wakeAtLocked(now, next)
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-e.rdl.wait():
		case <-e.done:
		}
	}
}

func (e *end) Write(b []byte) (int, error) {
	written := 0
	for {
		if e.wdl.passed() && !e.isClosed() {
			return written, e.opError("write", os.ErrDeadlineExceeded)
		}
		p := e.wr
		p.mu.Lock()
		switch {
		case e.isClosed():
			p.mu.Unlock()
			return written, e.opError("write", net.ErrClosed)
		case p.err != nil:
			err := p.err
			p.mu.Unlock()
			return written, e.opError("write", err)
		case p.fin:
			p.mu.Unlock()
			return written, e.opError("write", os.NewSyscallError("write", syscall.EPIPE))
		case p.gone:
			// The peer closed: TCP answers the data with a reset.
			p.err = os.NewSyscallError("write", syscall.ECONNRESET)
			p.notify()
			p.mu.Unlock()
			return written, e.opError("write", syscall.EPIPE)
		}
		if room := pipeCap - len(p.buf) - p.timedLen; room > 0 {
			n := min(room, len(b)-written)
			if p.faulty() {
				p.sendLocked(time.Now(), b[written:written+n])
			} else {
				p.buf = append(p.buf, b[written:written+n]...)
			}
			written += n
			p.notify()
			if written == len(b) {
				p.mu.Unlock()
				return written, nil
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-e.wdl.wait():
		case <-e.done:
		}
	}
}

func (e *end) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// Close closes the end: the peer reads what was written, then EOF, and a
// write of the peer's after that is reset, as TCP's.
func (e *end) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return e.opError("close", net.ErrClosed)
	}
	e.closed = true
	close(e.done)
	e.mu.Unlock()
	e.wr.mu.Lock()
	e.wr.shutLocked()
	e.wr.notify()
	e.wr.mu.Unlock()
	e.rd.mu.Lock()
	e.rd.gone, e.rd.buf = true, nil
	e.rd.notify()
	e.rd.mu.Unlock()
	e.rdl.stop()
	e.wdl.stop()
	e.host.forget(e)
	return nil
}

// CloseWrite sends FIN: the peer reads what was written, then EOF.
func (e *end) CloseWrite() error {
	if e.isClosed() {
		return e.opError("close", net.ErrClosed)
	}
	e.wr.mu.Lock()
	e.wr.shutLocked()
	e.wr.notify()
	e.wr.mu.Unlock()
	return nil
}

// CloseRead shuts the reading side: what the peer writes next is refused.
func (e *end) CloseRead() error {
	if e.isClosed() {
		return e.opError("close", net.ErrClosed)
	}
	e.rd.mu.Lock()
	e.rd.gone, e.rd.buf = true, nil
	e.rd.notify()
	e.rd.mu.Unlock()
	return nil
}

// reset resets the conn, as a crash of either host does: both ends' calls
// fail with ECONNRESET, and what was in flight is lost.
func (e *end) reset() {
	for _, p := range []*pipe{e.rd, e.wr} {
		p.mu.Lock()
		if p.err == nil {
			p.err, p.buf = errReset, nil
			p.notify()
		}
		p.mu.Unlock()
	}
}

// hold stops or lets through the bytes in both directions, as a partition
// and its heal do.
func (e *end) hold(held bool) {
	for _, p := range []*pipe{e.rd, e.wr} {
		p.mu.Lock()
		if p.held != held {
			p.held = held
			p.notify()
		}
		p.mu.Unlock()
	}
}

func (e *end) LocalAddr() net.Addr  { return e.local }
func (e *end) RemoteAddr() net.Addr { return e.remote }

func (e *end) SetDeadline(t time.Time) error {
	if e.isClosed() {
		return e.opError("set", net.ErrClosed)
	}
	e.rdl.set(t)
	e.wdl.set(t)
	return nil
}

func (e *end) SetReadDeadline(t time.Time) error {
	if e.isClosed() {
		return e.opError("set", net.ErrClosed)
	}
	e.rdl.set(t)
	return nil
}

func (e *end) SetWriteDeadline(t time.Time) error {
	if e.isClosed() {
		return e.opError("set", net.ErrClosed)
	}
	e.wdl.set(t)
	return nil
}

// A deadline is a read or write deadline of a simulated conn, with
// package net's semantics: a time, and a channel closed while it has
// passed. It runs on the bubble's virtual clock.
type deadline struct {
	mu    sync.Mutex
	t     time.Time
	timer *time.Timer
	ch    chan struct{} // closed while the deadline has passed; made on first use
}

// set makes t the deadline, for the calls to come and the calls under way.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.t = t
	if d.ch == nil || isClosed(d.ch) {
		d.ch = make(chan struct{})
	}
	if t.IsZero() {
		return
	}
	if dur := time.Until(t); dur <= 0 {
		close(d.ch)
	} else {
		ch := d.ch
		d.timer = time.AfterFunc(dur, func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.ch == ch && !isClosed(ch) {
				close(ch)
			}
		})
	}
}

// wait returns a channel closed once the deadline passes: the one set
// closes, so that a call blocked before a deadline was set is woken by it.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ch == nil {
		d.ch = make(chan struct{})
	}
	return d.ch
}

// passed reports whether the deadline has passed.
func (d *deadline) passed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch != nil && isClosed(d.ch)
}

func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
