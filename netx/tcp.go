package netx

import (
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/coop-go/coop/iox"
)

// TCPConn is an implementation of the Conn interface for TCP network
// connections, as net.TCPConn, whose every blocking method is a blocking
// call of the coop scheduler. It wraps a *net.TCPConn (see Unwrap).
type TCPConn struct {
	conn
	tc *net.TCPConn
}

func newTCPConn(tc *net.TCPConn) *TCPConn {
	c := &TCPConn{tc: tc}
	c.init(tc)
	return c
}

// CloseRead shuts down the reading side of the TCP connection. Most
// callers should just use Close.
func (c *TCPConn) CloseRead() error { return c.tcp().CloseRead() }

// CloseWrite shuts down the writing side of the TCP connection. Most
// callers should just use Close.
func (c *TCPConn) CloseWrite() error { return c.tcp().CloseWrite() }

// File returns a copy of the underlying os.File; see net.TCPConn.File.
func (c *TCPConn) File() (f *os.File, err error) { return c.tcp().File() }

// MultipathTCP reports whether the ongoing connection is using MPTCP.
func (c *TCPConn) MultipathTCP() (bool, error) { return c.tcp().MultipathTCP() }

// SetKeepAlive sets whether the operating system should send keep-alive
// messages on the connection.
func (c *TCPConn) SetKeepAlive(keepalive bool) error { return c.tcp().SetKeepAlive(keepalive) }

// SetKeepAliveConfig configures keep-alive messages sent by the operating
// system.
func (c *TCPConn) SetKeepAliveConfig(config net.KeepAliveConfig) error {
	return c.tcp().SetKeepAliveConfig(config)
}

// SetKeepAlivePeriod sets the duration the connection needs to remain idle
// before TCP starts sending keepalive probes.
func (c *TCPConn) SetKeepAlivePeriod(d time.Duration) error { return c.tcp().SetKeepAlivePeriod(d) }

// SetLinger sets the behavior of Close on a connection which still has
// data waiting to be sent or to be acknowledged; see net.TCPConn.SetLinger.
func (c *TCPConn) SetLinger(sec int) error { return c.tcp().SetLinger(sec) }

// SetNoDelay controls whether the operating system should delay packet
// transmission in hopes of sending fewer packets (Nagle's algorithm).
func (c *TCPConn) SetNoDelay(noDelay bool) error { return c.tcp().SetNoDelay(noDelay) }

// SetReadBuffer sets the size of the operating system's receive buffer
// associated with the connection.
func (c *TCPConn) SetReadBuffer(bytes int) error { return c.tcp().SetReadBuffer(bytes) }

// SetWriteBuffer sets the size of the operating system's transmit buffer
// associated with the connection.
func (c *TCPConn) SetWriteBuffer(bytes int) error { return c.tcp().SetWriteBuffer(bytes) }

// SyscallConn returns a raw network connection. This implements the
// syscall.Conn interface.
func (c *TCPConn) SyscallConn() (syscall.RawConn, error) { return c.tcp().SyscallConn() }

// ReadFrom implements the io.ReaderFrom ReadFrom method, as
// net.TCPConn.ReadFrom: from a TCP or Unix conn (netx's or net's, or an
// io.LimitedReader of one) the kernel splices, from an *os.File it sends
// the file, without copying through user space. The whole copy is one
// blocking call (kind OpWrite); a kill or an expired scope interrupts it on
// both sides, and the count returned is what was copied.
func (c *TCPConn) ReadFrom(r io.Reader) (int64, error) {
	return copyInto(&c.conn, r, c.tc.ReadFrom)
}

// WriteTo implements the io.WriterTo WriteTo method, as
// net.TCPConn.WriteTo: to a TCP conn (netx's or net's) the kernel splices.
// The whole copy is one blocking call (kind OpRead); see ReadFrom.
func (c *TCPConn) WriteTo(w io.Writer) (int64, error) {
	return copyOut(&c.conn, w, c.tc)
}

// TCPListener is a TCP network listener, as net.TCPListener, whose Accept
// is a blocking call of the coop scheduler: a kill interrupts it without
// closing the listener. It wraps a *net.TCPListener (see Unwrap).
type TCPListener struct {
	listener
	tl *net.TCPListener
}

func newTCPListener(tl *net.TCPListener) *TCPListener {
	l := &TCPListener{tl: tl}
	l.init(tl, tl.SetDeadline)
	return l
}

// Accept implements the Accept method in the Listener interface; it waits
// for the next call and returns a generic Conn, a *TCPConn.
func (l *TCPListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptTCP accepts the next incoming call and returns the new connection.
func (l *TCPListener) AcceptTCP() (*TCPConn, error) {
	var tc *net.TCPConn
	err := l.accept(func() (err error) { tc, err = l.tl.AcceptTCP(); return err })
	if err != nil {
		return nil, err
	}
	return newTCPConn(tc), nil
}

// File returns a copy of the underlying os.File; see net.TCPListener.File.
func (l *TCPListener) File() (f *os.File, err error) { return l.tl.File() }

// SyscallConn returns a raw network connection. This implements the
// syscall.Conn interface.
func (l *TCPListener) SyscallConn() (syscall.RawConn, error) { return l.tl.SyscallConn() }

// copyInto runs readFrom (a net conn's ReadFrom) into c from r, as one
// blocking call, unwrapping r if it is a netx conn so that the kernel's
// fast paths see the concrete type they need.
func copyInto(c *conn, r io.Reader, readFrom func(io.Reader) (int64, error)) (int64, error) {
	if c.nc == nil {
		return 0, syscall.EINVAL // a zero conn, as package net's
	}
	src, srcSide, lr := unwrapReader(r)
	op, err := iox.Begin(background, iox.OpWrite, c.target)
	if err != nil {
		return 0, c.opError("readfrom", err)
	}
	if op == nil {
		n, err := readFrom(src)
		syncLimited(lr, src)
		return n, err
	}
	moved := c.wr.Prepare(op)
	srcMoved := srcSide != nil && srcSide.Prepare(op)
	op.OnInterrupt(both{&c.wr, srcSide})
	n, err := readFrom(src)
	interrupted := op.Interrupted()
	if interrupted || moved {
		c.wr.Restore()
	}
	if srcSide != nil && (interrupted || srcMoved) {
		srcSide.Restore()
	}
	syncLimited(lr, src)
	return n, mapOpError(op.End(clampInt(n), err), err)
}

// copyOut copies from c (a TCP or Unix conn) to w as one blocking call.
func copyOut(c *conn, w io.Writer, src interface {
	net.Conn
	WriteTo(io.Writer) (int64, error)
}) (int64, error) {
	if c.nc == nil {
		return 0, syscall.EINVAL
	}
	dst, dstSide := unwrapWriter(w)
	op, err := iox.Begin(background, iox.OpRead, c.target)
	if err != nil {
		return 0, c.opError("writeto", err)
	}
	run := func() (int64, error) {
		if rf, ok := dst.(*net.TCPConn); ok {
			return rf.ReadFrom(src) // splice: net's ReadFrom knows a *net.TCPConn source
		}
		return src.WriteTo(dst)
	}
	if op == nil {
		return run()
	}
	moved := c.rd.Prepare(op)
	dstMoved := dstSide != nil && dstSide.Prepare(op)
	op.OnInterrupt(both{&c.rd, dstSide})
	n, err := run()
	interrupted := op.Interrupted()
	if interrupted || moved {
		c.rd.Restore()
	}
	if dstSide != nil && (interrupted || dstMoved) {
		dstSide.Restore()
	}
	return n, mapOpError(op.End(clampInt(n), err), err)
}

// unwrapReader returns what to hand a net conn's ReadFrom in place of r:
// the net conn inside a netx conn (also inside an io.LimitedReader, which
// is then a copy whose N is synced back by syncLimited), and that conn's
// read side, for scopes and kills.
func unwrapReader(r io.Reader) (io.Reader, *iox.StreamDeadline, *io.LimitedReader) {
	var lr *io.LimitedReader
	inner := r
	if l, ok := r.(*io.LimitedReader); ok {
		lr, inner = l, l.R
	}
	var raw io.Reader
	var s *iox.StreamDeadline
	switch v := inner.(type) {
	case *TCPConn:
		raw, s = v.tc, &v.rd
	case *UnixConn:
		raw, s = v.uc, &v.rd
	default:
		return r, nil, nil
	}
	if lr != nil {
		return &io.LimitedReader{R: raw, N: lr.N}, s, lr
	}
	return raw, s, nil
}

func syncLimited(user *io.LimitedReader, passed io.Reader) {
	if user != nil {
		if l, ok := passed.(*io.LimitedReader); ok {
			user.N = l.N
		}
	}
}

// unwrapWriter is unwrapReader's twin for WriteTo.
func unwrapWriter(w io.Writer) (io.Writer, *iox.StreamDeadline) {
	switch v := w.(type) {
	case *TCPConn:
		return v.tc, &v.wr
	case *UnixConn:
		return v.uc, &v.wr
	}
	return w, nil
}

// both interrupts the two deadlines of a copy between conns.
type both [2]*iox.StreamDeadline

func (b both) Interrupt() {
	for _, d := range b {
		if d != nil {
			d.Interrupt()
		}
	}
}

func clampInt(n int64) int {
	if n > int64(^uint(0)>>1) {
		return int(^uint(0) >> 1)
	}
	return int(n)
}
