package netx

import (
	"net"
	"os"
	"syscall"
)

// IPConn is the implementation of the Conn and PacketConn interfaces for
// IP network connections, as net.IPConn, whose every blocking method is a
// blocking call of the coop scheduler. It wraps a *net.IPConn (see
// Unwrap).
type IPConn struct {
	conn
	ic *net.IPConn
}

func newIPConn(ic *net.IPConn) *IPConn {
	c := &IPConn{ic: ic}
	c.init(ic)
	return c
}

// File returns a copy of the underlying os.File; see net.IPConn.File.
func (c *IPConn) File() (f *os.File, err error) { return c.ip().File() }

// SetReadBuffer sets the size of the operating system's receive buffer
// associated with the connection.
func (c *IPConn) SetReadBuffer(bytes int) error { return c.ip().SetReadBuffer(bytes) }

// SetWriteBuffer sets the size of the operating system's transmit buffer
// associated with the connection.
func (c *IPConn) SetWriteBuffer(bytes int) error { return c.ip().SetWriteBuffer(bytes) }

// SyscallConn returns a raw network connection. This implements the
// syscall.Conn interface.
func (c *IPConn) SyscallConn() (syscall.RawConn, error) { return c.ip().SyscallConn() }

// ReadFrom implements the PacketConn ReadFrom method.
func (c *IPConn) ReadFrom(b []byte) (int, net.Addr, error) {
	var addr net.Addr
	n, err := c.io(opRead, &c.rd, "read", func() (n int, err error) { n, addr, err = c.ic.ReadFrom(b); return })
	return n, addr, err
}

// ReadFromIP acts like ReadFrom but returns an IPAddr.
func (c *IPConn) ReadFromIP(b []byte) (int, *net.IPAddr, error) {
	var addr *net.IPAddr
	n, err := c.io(opRead, &c.rd, "read", func() (n int, err error) { n, addr, err = c.ic.ReadFromIP(b); return })
	return n, addr, err
}

// ReadMsgIP reads a message from c, copying the payload into b and the
// associated out-of-band data into oob; see net.IPConn.ReadMsgIP.
func (c *IPConn) ReadMsgIP(b, oob []byte) (n, oobn, flags int, addr *net.IPAddr, err error) {
	n, err = c.io(opRead, &c.rd, "read", func() (int, error) {
		var err error
		n, oobn, flags, addr, err = c.ic.ReadMsgIP(b, oob)
		return n, err
	})
	return
}

// WriteMsgIP writes a message to addr via c, copying the payload from b
// and the associated out-of-band data from oob.
func (c *IPConn) WriteMsgIP(b, oob []byte, addr *net.IPAddr) (n, oobn int, err error) {
	n, err = c.io(opWrite, &c.wr, "write", func() (int, error) {
		var err error
		n, oobn, err = c.ic.WriteMsgIP(b, oob, addr)
		return n, err
	})
	return
}

// WriteTo implements the PacketConn WriteTo method.
func (c *IPConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	return c.io(opWrite, &c.wr, "write", func() (int, error) { return c.ic.WriteTo(b, addr) })
}

// WriteToIP acts like WriteTo but takes an IPAddr.
func (c *IPConn) WriteToIP(b []byte, addr *net.IPAddr) (int, error) {
	return c.io(opWrite, &c.wr, "write", func() (int, error) { return c.ic.WriteToIP(b, addr) })
}
