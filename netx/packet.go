package netx

import (
	"net"
	"time"

	"github.com/coop-go/coop/iox"
)

// genericPacketConn wraps a PacketConn of a type netx does not know.
type genericPacketConn struct {
	pc     net.PacketConn
	target string
	rd, wr side
}

func (c *genericPacketConn) io(kind iox.OpKind, s *side, name string, f func() (int, error)) (int, error) {
	op, err := iox.Begin(background, kind, c.target)
	if err != nil {
		return 0, &net.OpError{Op: name, Net: network(c.pc.LocalAddr()), Source: c.pc.LocalAddr(), Err: err}
	}
	if op == nil {
		return f()
	}
	moved := s.begin(op)
	n, err := f()
	s.end(op, moved)
	return n, mapOpError(op.End(n, err), err)
}

func (c *genericPacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	var addr net.Addr
	n, err := c.io(opRead, &c.rd, "read", func() (n int, err error) { n, addr, err = c.pc.ReadFrom(b); return })
	return n, addr, err
}

func (c *genericPacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	return c.io(opWrite, &c.wr, "write", func() (int, error) { return c.pc.WriteTo(b, addr) })
}

func (c *genericPacketConn) Close() error        { return c.pc.Close() }
func (c *genericPacketConn) LocalAddr() net.Addr { return c.pc.LocalAddr() }

func (c *genericPacketConn) SetDeadline(t time.Time) error {
	if err := c.rd.setUser(t); err != nil {
		return err
	}
	return c.wr.setUser(t)
}

func (c *genericPacketConn) SetReadDeadline(t time.Time) error  { return c.rd.setUser(t) }
func (c *genericPacketConn) SetWriteDeadline(t time.Time) error { return c.wr.setUser(t) }

// Unwrap returns the wrapped PacketConn.
func (c *genericPacketConn) Unwrap() net.PacketConn { return c.pc }
