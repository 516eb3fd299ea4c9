package netx

import (
	"net"
	"net/netip"
	"os"
	"syscall"

	"github.com/coop-go/coop/iox"
)

const (
	opRead  = iox.OpRead
	opWrite = iox.OpWrite
)

// UDPConn is the implementation of the Conn and PacketConn interfaces for
// UDP network connections, as net.UDPConn, whose every blocking method is
// a blocking call of the coop scheduler. It wraps a *net.UDPConn (see
// Unwrap).
type UDPConn struct {
	conn
	uc *net.UDPConn
}

func newUDPConn(uc *net.UDPConn) *UDPConn {
	c := &UDPConn{uc: uc}
	c.init(uc)
	return c
}

// File returns a copy of the underlying os.File; see net.UDPConn.File.
func (c *UDPConn) File() (f *os.File, err error) { return c.udp().File() }

// SetReadBuffer sets the size of the operating system's receive buffer
// associated with the connection.
func (c *UDPConn) SetReadBuffer(bytes int) error { return c.udp().SetReadBuffer(bytes) }

// SetWriteBuffer sets the size of the operating system's transmit buffer
// associated with the connection.
func (c *UDPConn) SetWriteBuffer(bytes int) error { return c.udp().SetWriteBuffer(bytes) }

// SyscallConn returns a raw network connection. This implements the
// syscall.Conn interface.
func (c *UDPConn) SyscallConn() (syscall.RawConn, error) { return c.udp().SyscallConn() }

// ReadFrom implements the PacketConn ReadFrom method.
func (c *UDPConn) ReadFrom(b []byte) (int, net.Addr, error) {
	var addr net.Addr
	n, err := c.io(opRead, &c.rd, "read", func() (n int, err error) { n, addr, err = c.uc.ReadFrom(b); return })
	return n, addr, err
}

// ReadFromUDP acts like ReadFrom but returns a UDPAddr.
func (c *UDPConn) ReadFromUDP(b []byte) (n int, addr *net.UDPAddr, err error) {
	n, err = c.io(opRead, &c.rd, "read", func() (n int, err error) { n, addr, err = c.uc.ReadFromUDP(b); return })
	return
}

// ReadFromUDPAddrPort acts like ReadFrom but returns a netip.AddrPort.
func (c *UDPConn) ReadFromUDPAddrPort(b []byte) (n int, addr netip.AddrPort, err error) {
	n, err = c.io(opRead, &c.rd, "read", func() (n int, err error) { n, addr, err = c.uc.ReadFromUDPAddrPort(b); return })
	return
}

// ReadMsgUDP reads a message from c, copying the payload into b and the
// associated out-of-band data into oob; see net.UDPConn.ReadMsgUDP.
func (c *UDPConn) ReadMsgUDP(b, oob []byte) (n, oobn, flags int, addr *net.UDPAddr, err error) {
	n, err = c.io(opRead, &c.rd, "read", func() (int, error) {
		var err error
		n, oobn, flags, addr, err = c.uc.ReadMsgUDP(b, oob)
		return n, err
	})
	return
}

// ReadMsgUDPAddrPort is like ReadMsgUDP but returns a netip.AddrPort
// instead of a UDPAddr.
func (c *UDPConn) ReadMsgUDPAddrPort(b, oob []byte) (n, oobn, flags int, addr netip.AddrPort, err error) {
	n, err = c.io(opRead, &c.rd, "read", func() (int, error) {
		var err error
		n, oobn, flags, addr, err = c.uc.ReadMsgUDPAddrPort(b, oob)
		return n, err
	})
	return
}

// WriteMsgUDP writes a message to addr via c if c isn't connected, or to
// c's remote address if c is connected; see net.UDPConn.WriteMsgUDP.
func (c *UDPConn) WriteMsgUDP(b, oob []byte, addr *net.UDPAddr) (n, oobn int, err error) {
	n, err = c.io(opWrite, &c.wr, "write", func() (int, error) {
		var err error
		n, oobn, err = c.uc.WriteMsgUDP(b, oob, addr)
		return n, err
	})
	return
}

// WriteMsgUDPAddrPort is like WriteMsgUDP but takes a netip.AddrPort
// instead of a UDPAddr.
func (c *UDPConn) WriteMsgUDPAddrPort(b, oob []byte, addr netip.AddrPort) (n, oobn int, err error) {
	n, err = c.io(opWrite, &c.wr, "write", func() (int, error) {
		var err error
		n, oobn, err = c.uc.WriteMsgUDPAddrPort(b, oob, addr)
		return n, err
	})
	return
}

// WriteTo implements the PacketConn WriteTo method.
func (c *UDPConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	return c.io(opWrite, &c.wr, "write", func() (int, error) { return c.uc.WriteTo(b, addr) })
}

// WriteToUDP acts like WriteTo but takes a UDPAddr.
func (c *UDPConn) WriteToUDP(b []byte, addr *net.UDPAddr) (int, error) {
	return c.io(opWrite, &c.wr, "write", func() (int, error) { return c.uc.WriteToUDP(b, addr) })
}

// WriteToUDPAddrPort acts like WriteTo but takes a netip.AddrPort.
func (c *UDPConn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	return c.io(opWrite, &c.wr, "write", func() (int, error) { return c.uc.WriteToUDPAddrPort(b, addr) })
}
