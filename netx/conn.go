package netx

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/coop-go/coop/internal/deadline"
	"github.com/coop-go/coop/internal/faultnet"
	"github.com/coop-go/coop/iox"
)

// endpoint is what every netx conn and packet conn shares: the target its
// calls are reported on (the remote address, else the local one, computed
// once), its read and write deadlines, and its addresses for errors. It
// marks its conn as one whose calls go through the door already
// (deadline.Managed), so iox's stream wrappers take it as it is.
type endpoint struct {
	deadline.Marker
	target       string
	laddr, raddr net.Addr
	rd, wr       side
}

// side is one deadline of an endpoint: the keeper of the user's deadline
// and of the calls in flight, and the interrupter a kill of one of them
// uses.
type side struct {
	deadline.Keeper
}

// Interrupt cuts op, a call on this side, short: the real deadline goes
// into the past until op ends.
func (s *side) Interrupt(op *iox.Op) { s.Keeper.Interrupt(op) }

func (e *endpoint) init(laddr, raddr net.Addr, setRead, setWrite func(time.Time) error) {
	e.laddr, e.raddr = laddr, raddr
	if raddr != nil {
		e.target = raddr.String()
	} else if laddr != nil {
		e.target = laddr.String()
	}
	e.rd.Apply, e.wr.Apply = setRead, setWrite
}

var background = context.Background()

// io runs f, a read or a datagram's write, through the door on side s; it
// returns as soon as f has moved anything.
func (e *endpoint) io(kind iox.OpKind, s *side, name string, f func() (int, error)) (int, error) {
	return e.run(kind, s, name, false, func(int) (int, error) { return f() })
}

// run runs f through the door on side s: an interruption (a kill, the
// scope's deadline) reaches only this call, and a timeout another call on
// the same side caused is retried (see deadline.Keeper.Run). With full, f
// is called again after such a timeout with the bytes done so far, until
// it is done (a stream's write, a copy).
func (e *endpoint) run(kind iox.OpKind, s *side, name string, full bool, f func(done int) (int, error)) (int, error) {
	if s.Apply == nil {
		return 0, syscall.EINVAL // a zero conn, as package net's
	}
	op, err := iox.Begin(background, kind, e.target)
	if err != nil {
		return 0, e.opError(name, err)
	}
	if op == nil {
		return f(0)
	}
	return e.call(op, s, full, f)
}

// call makes the real call f of op, which Begin opened, on side s.
func (e *endpoint) call(op *iox.Op, s *side, full bool, f func(done int) (int, error)) (int, error) {
	op.OnInterrupt(s)
	n, err := s.Run(op, full, f)
	op.Interrupted()
	s.End(op)
	return n, mapOpError(op.End(n, err), err)
}

// opError is the error of a call that did not start: its task was killed
// or its scope had expired.
func (e *endpoint) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: network(e.laddr), Source: e.laddr, Addr: e.raddr, Err: err}
}

// SetDeadline sets the read and write deadlines associated with the
// connection, with package net's semantics; timeout scopes and kills work
// on top of them and leave them as they were.
func (e *endpoint) SetDeadline(t time.Time) error {
	if e.rd.Apply == nil {
		return syscall.EINVAL // a zero conn, as package net's
	}
	if err := e.rd.Set(t); err != nil {
		return err
	}
	return e.wr.Set(t)
}

// SetReadDeadline sets the deadline for future Read calls and any
// currently-blocked Read call, as package net's.
func (e *endpoint) SetReadDeadline(t time.Time) error {
	if e.rd.Apply == nil {
		return syscall.EINVAL
	}
	return e.rd.Set(t)
}

// SetWriteDeadline sets the deadline for future Write calls and any
// currently-blocked Write call, as package net's.
func (e *endpoint) SetWriteDeadline(t time.Time) error {
	if e.wr.Apply == nil {
		return syscall.EINVAL
	}
	return e.wr.Set(t)
}

// conn is what every netx conn shares: the wrapped conn and its endpoint.
// A zero conn (var c netx.TCPConn) wraps nothing; its methods return
// syscall.EINVAL (LocalAddr and RemoteAddr nil), as those of package net's
// zero conns do, rather than panic.
type conn struct {
	endpoint
	nc net.Conn
	fx faultnet.Slot // the toxics of package fault on the conn (fault.go)
}

func (c *conn) init(nc net.Conn) {
	c.nc = nc
	c.endpoint.init(nc.LocalAddr(), nc.RemoteAddr(), nc.SetReadDeadline, nc.SetWriteDeadline)
}

// Read reads data from the connection, as a blocking call: see the
// package doc.
func (c *conn) Read(b []byte) (int, error) {
	if d := faultnet.Current(); d != nil {
		if st := c.faults(d); st != nil {
			return c.faultRead(st, b)
		}
	}
	return c.io(iox.OpRead, &c.rd, "read", func() (int, error) { return c.nc.Read(b) })
}

// Write writes data to the connection, as a blocking call: see the
// package doc.
func (c *conn) Write(b []byte) (int, error) {
	if d := faultnet.Current(); d != nil {
		if st := c.faults(d); st != nil {
			return c.faultWrite(st, b)
		}
	}
	return c.run(iox.OpWrite, &c.wr, "write", true, func(done int) (int, error) { return c.nc.Write(b[done:]) })
}

// Close closes the connection. Any blocked Read or Write operations will
// be unblocked and return errors.
func (c *conn) Close() error {
	if c.nc == nil {
		return syscall.EINVAL
	}
	if faultnet.Current() != nil {
		if st := c.fx.Last(); st != nil {
			return st.Close()
		}
	}
	return c.nc.Close()
}

// LocalAddr returns the local network address, if known.
func (c *conn) LocalAddr() net.Addr {
	if c.nc == nil {
		return nil
	}
	return c.nc.LocalAddr()
}

// RemoteAddr returns the remote network address, if known.
func (c *conn) RemoteAddr() net.Addr {
	if c.nc == nil {
		return nil
	}
	return c.nc.RemoteAddr()
}

// Unwrap returns the wrapped connection.
func (c *conn) Unwrap() net.Conn { return c.nc }

// mapOpError returns mapped, what the door made of a call's error orig, in
// the shape package net gives errors: if the door replaced the error (a
// kill, an expired scope) and orig was a *net.OpError, the result is a copy
// of it whose Err is the door's, so that code that inspects *net.OpError
// keeps working and errors.Is finds iox.ErrKilled or iox.ErrTimeout.
func mapOpError(mapped, orig error) error {
	if mapped == orig || mapped == nil {
		return mapped
	}
	var oe *net.OpError
	if errors.As(orig, &oe) {
		cp := *oe
		cp.Err = mapped
		return &cp
	}
	return mapped
}

func network(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.Network()
}
