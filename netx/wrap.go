package netx

import (
	"errors"
	"net"
	"time"
)

var errNoDeadline = errors.New("netx: the wrapped listener has no SetDeadline")

// Wrap returns c with every blocking method a blocking call of the coop
// scheduler: a *TCPConn, *UDPConn, *UnixConn or *IPConn for the net types
// of those names, and for any other conn a Conn that keeps its deadlines
// and, where c has them, CloseRead and CloseWrite. A conn netx made is
// returned as it is. Wrap conns below TLS (wrap the TCP conn, then give it
// to tls.Client or tls.Server), never above it: a TLS conn's deadlines
// would not reach the socket in time.
func Wrap(c net.Conn) net.Conn {
	switch v := c.(type) {
	case nil:
		return nil
	case *TCPConn, *UDPConn, *UnixConn, *IPConn, *genericConn, *halfCloseConn:
		return c
	case *net.TCPConn:
		return newTCPConn(v)
	case *net.UDPConn:
		return newUDPConn(v)
	case *net.UnixConn:
		return newUnixConn(v)
	case *net.IPConn:
		return newIPConn(v)
	}
	if _, ok := c.(interface {
		CloseRead() error
		CloseWrite() error
	}); ok {
		h := &halfCloseConn{}
		h.init(c)
		return h
	}
	g := &genericConn{}
	g.init(c)
	return g
}

// genericConn wraps a conn of a type netx does not know.
type genericConn struct {
	conn
}

// halfCloseConn wraps a conn of a type netx does not know that can close
// one direction.
type halfCloseConn struct {
	conn
}

func (c *halfCloseConn) CloseRead() error {
	return c.nc.(interface{ CloseRead() error }).CloseRead()
}

func (c *halfCloseConn) CloseWrite() error {
	return c.nc.(interface{ CloseWrite() error }).CloseWrite()
}

// WrapListener returns l with Accept a blocking call of the coop scheduler
// that returns wrapped conns: a *TCPListener or *UnixListener for the net
// types of those names. For other listeners, a kill interrupts a waiting
// Accept only if l has SetDeadline(time.Time) error.
func WrapListener(l net.Listener) net.Listener {
	switch v := l.(type) {
	case nil:
		return nil
	case *TCPListener, *UnixListener, *genericListener:
		return l
	case *net.TCPListener:
		return newTCPListener(v)
	case *net.UnixListener:
		return newUnixListener(v)
	}
	g := &genericListener{}
	var set func(time.Time) error
	if d, ok := l.(interface{ SetDeadline(time.Time) error }); ok {
		set = d.SetDeadline
	}
	g.init(l, set)
	return g
}

// WrapPacketConn returns c with ReadFrom and WriteTo blocking calls of the
// coop scheduler: a *UDPConn, *IPConn or *UnixConn for the net types of
// those names.
func WrapPacketConn(c net.PacketConn) net.PacketConn {
	switch v := c.(type) {
	case nil:
		return nil
	case *UDPConn, *IPConn, *UnixConn, *genericPacketConn:
		return c
	case *net.UDPConn:
		return newUDPConn(v)
	case *net.IPConn:
		return newIPConn(v)
	case *net.UnixConn:
		return newUnixConn(v)
	}
	g := &genericPacketConn{pc: c}
	g.init(c.LocalAddr(), nil, c.SetReadDeadline, c.SetWriteDeadline)
	return g
}
