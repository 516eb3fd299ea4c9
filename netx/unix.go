package netx

import (
	"net"
	"os"
	"syscall"
)

// UnixConn is an implementation of the Conn interface for connections to
// Unix domain sockets, as net.UnixConn, whose every blocking method is a
// blocking call of the coop scheduler. It wraps a *net.UnixConn (see
// Unwrap).
type UnixConn struct {
	conn
	uc *net.UnixConn
}

func newUnixConn(uc *net.UnixConn) *UnixConn {
	c := &UnixConn{uc: uc}
	c.init(uc)
	return c
}

// CloseRead shuts down the reading side of the Unix domain connection.
// Most callers should just use Close.
func (c *UnixConn) CloseRead() error { return c.unix().CloseRead() }

// CloseWrite shuts down the writing side of the Unix domain connection.
// Most callers should just use Close.
func (c *UnixConn) CloseWrite() error { return c.closeWrite(c.unix().CloseWrite) }

// File returns a copy of the underlying os.File; see net.UnixConn.File.
func (c *UnixConn) File() (f *os.File, err error) { return c.unix().File() }

// SetReadBuffer sets the size of the operating system's receive buffer
// associated with the connection.
func (c *UnixConn) SetReadBuffer(bytes int) error { return c.unix().SetReadBuffer(bytes) }

// SetWriteBuffer sets the size of the operating system's transmit buffer
// associated with the connection.
func (c *UnixConn) SetWriteBuffer(bytes int) error { return c.unix().SetWriteBuffer(bytes) }

// SyscallConn returns a raw network connection. This implements the
// syscall.Conn interface.
func (c *UnixConn) SyscallConn() (syscall.RawConn, error) { return c.unix().SyscallConn() }

// ReadFrom implements the PacketConn ReadFrom method.
func (c *UnixConn) ReadFrom(b []byte) (int, net.Addr, error) {
	var addr net.Addr
	n, err := c.io(opRead, &c.rd, "read", func() (n int, err error) { n, addr, err = c.uc.ReadFrom(b); return })
	return n, addr, err
}

// ReadFromUnix acts like ReadFrom but returns a UnixAddr.
func (c *UnixConn) ReadFromUnix(b []byte) (int, *net.UnixAddr, error) {
	var addr *net.UnixAddr
	n, err := c.io(opRead, &c.rd, "read", func() (n int, err error) { n, addr, err = c.uc.ReadFromUnix(b); return })
	return n, addr, err
}

// ReadMsgUnix reads a message from c, copying the payload into b and the
// associated out-of-band data into oob; see net.UnixConn.ReadMsgUnix.
func (c *UnixConn) ReadMsgUnix(b, oob []byte) (n, oobn, flags int, addr *net.UnixAddr, err error) {
	n, err = c.io(opRead, &c.rd, "read", func() (int, error) {
		var err error
		n, oobn, flags, addr, err = c.uc.ReadMsgUnix(b, oob)
		return n, err
	})
	return
}

// WriteMsgUnix writes a message to addr via c, copying the payload from b
// and the associated out-of-band data from oob.
func (c *UnixConn) WriteMsgUnix(b, oob []byte, addr *net.UnixAddr) (n, oobn int, err error) {
	n, err = c.io(opWrite, &c.wr, "write", func() (int, error) {
		var err error
		n, oobn, err = c.uc.WriteMsgUnix(b, oob, addr)
		return n, err
	})
	return
}

// WriteTo implements the PacketConn WriteTo method.
func (c *UnixConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	return c.io(opWrite, &c.wr, "write", func() (int, error) { return c.uc.WriteTo(b, addr) })
}

// WriteToUnix acts like WriteTo but takes a UnixAddr.
func (c *UnixConn) WriteToUnix(b []byte, addr *net.UnixAddr) (int, error) {
	return c.io(opWrite, &c.wr, "write", func() (int, error) { return c.uc.WriteToUnix(b, addr) })
}

// UnixListener is a Unix domain socket listener, as net.UnixListener,
// whose Accept is a blocking call of the coop scheduler. It wraps a
// *net.UnixListener (see Unwrap).
type UnixListener struct {
	listener
	ul *net.UnixListener
}

func newUnixListener(ul *net.UnixListener) *UnixListener {
	l := &UnixListener{ul: ul}
	l.init(ul, ul.SetDeadline)
	return l
}

// Accept implements the Accept method in the Listener interface. Returned
// connections will be of type *UnixConn.
func (l *UnixListener) Accept() (net.Conn, error) {
	c, err := l.AcceptUnix()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptUnix accepts the next incoming call and returns the new
// connection.
func (l *UnixListener) AcceptUnix() (*UnixConn, error) {
	var uc *net.UnixConn
	err := l.accept(func() (err error) { uc, err = l.ul.AcceptUnix(); return err })
	if err != nil {
		return nil, err
	}
	return newUnixConn(uc), nil
}

// File returns a copy of the underlying os.File; see
// net.UnixListener.File.
func (l *UnixListener) File() (f *os.File, err error) { return l.ul.File() }

// SetUnlinkOnClose sets whether the underlying socket file should be
// removed from the file system when the listener is closed.
func (l *UnixListener) SetUnlinkOnClose(unlink bool) {
	if l.ul != nil { // a zero listener has no socket file to remove
		l.ul.SetUnlinkOnClose(unlink)
	}
}

// SyscallConn returns a raw network connection. This implements the
// syscall.Conn interface.
func (l *UnixListener) SyscallConn() (syscall.RawConn, error) { return l.ul.SyscallConn() }
