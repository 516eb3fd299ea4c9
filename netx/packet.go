package netx

import (
	"net"
)

// genericPacketConn wraps a PacketConn of a type netx does not know.
type genericPacketConn struct {
	endpoint
	pc net.PacketConn
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

// Unwrap returns the wrapped PacketConn.
func (c *genericPacketConn) Unwrap() net.PacketConn { return c.pc }
