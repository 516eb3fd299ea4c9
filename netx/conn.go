package netx

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/coop-go/coop/iox"
)

// conn is what every netx conn shares: the wrapped conn, the target its
// calls are reported on (the remote address, computed once), and its read
// and write deadlines.
type conn struct {
	nc     net.Conn
	target string
	rd, wr side
}

func (c *conn) init(nc net.Conn) {
	c.nc = nc
	if ra := nc.RemoteAddr(); ra != nil {
		c.target = ra.String()
	} else if la := nc.LocalAddr(); la != nil {
		c.target = la.String()
	}
	c.rd.set = nc.SetReadDeadline
	c.wr.set = nc.SetWriteDeadline
}

var background = context.Background()

// io runs f, a read or write of c, through the door.
func (c *conn) io(kind iox.OpKind, s *side, name string, f func() (int, error)) (int, error) {
	op, err := iox.Begin(background, kind, c.target)
	if err != nil {
		return 0, c.opError(name, err)
	}
	if op == nil {
		return f()
	}
	moved := s.begin(op)
	n, err := f()
	s.end(op, moved)
	return n, mapOpError(op.End(n, err), err)
}

// Read reads data from the connection, as a blocking call: see the
// package doc.
func (c *conn) Read(b []byte) (int, error) {
	return c.io(iox.OpRead, &c.rd, "read", func() (int, error) { return c.nc.Read(b) })
}

// Write writes data to the connection, as a blocking call: see the
// package doc.
func (c *conn) Write(b []byte) (int, error) {
	return c.io(iox.OpWrite, &c.wr, "write", func() (int, error) { return c.nc.Write(b) })
}

// Close closes the connection. Any blocked Read or Write operations will
// be unblocked and return errors.
func (c *conn) Close() error { return c.nc.Close() }

// LocalAddr returns the local network address, if known.
func (c *conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the remote network address, if known.
func (c *conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// SetDeadline sets the read and write deadlines associated with the
// connection, with package net's semantics; timeout scopes and kills work
// on top of them and leave them as they were.
func (c *conn) SetDeadline(t time.Time) error {
	if err := c.rd.setUser(t); err != nil {
		return err
	}
	return c.wr.setUser(t)
}

// SetReadDeadline sets the deadline for future Read calls and any
// currently-blocked Read call, as package net's.
func (c *conn) SetReadDeadline(t time.Time) error { return c.rd.setUser(t) }

// SetWriteDeadline sets the deadline for future Write calls and any
// currently-blocked Write call, as package net's.
func (c *conn) SetWriteDeadline(t time.Time) error { return c.wr.setUser(t) }

// Unwrap returns the wrapped connection.
func (c *conn) Unwrap() net.Conn { return c.nc }

// opError is the error of a call that did not start: its task was killed
// or its scope had expired.
func (c *conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: network(c.nc.LocalAddr()), Source: c.nc.LocalAddr(), Addr: c.nc.RemoteAddr(), Err: err}
}

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
