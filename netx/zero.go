package netx

import "net"

// The zero values of netx's conn types (var c netx.TCPConn) wrap nothing,
// and behave as package net's zero values do: their methods return
// syscall.EINVAL rather than panic. The shared methods (conn, endpoint,
// listener) check for it; the methods of each type that go straight to
// package net call a zero net conn through these accessors, since net's
// methods dereference a nil receiver.

func (c *TCPConn) tcp() *net.TCPConn {
	if c.tc == nil {
		return new(net.TCPConn)
	}
	return c.tc
}

func (c *UDPConn) udp() *net.UDPConn {
	if c.uc == nil {
		return new(net.UDPConn)
	}
	return c.uc
}

func (c *UnixConn) unix() *net.UnixConn {
	if c.uc == nil {
		return new(net.UnixConn)
	}
	return c.uc
}

func (c *IPConn) ip() *net.IPConn {
	if c.ic == nil {
		return new(net.IPConn)
	}
	return c.ic
}
