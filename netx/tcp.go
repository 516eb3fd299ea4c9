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
func (c *TCPConn) CloseWrite() error { return c.closeWrite(c.tcp().CloseWrite) }

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
// the file, without copying through user space; each is one blocking call
// (kind OpWrite). From any other reader the copy is iox.CopyBuffer's, a
// call per chunk. The count returned is what was copied, and nothing is
// lost when a kill or an expired scope cuts the copy short: a splice is
// cut on its source only (the bytes already taken from it are written
// out, bounded by c's own write deadline), a sendfile on c, where the
// file's offset keeps count.
func (c *TCPConn) ReadFrom(r io.Reader) (int64, error) {
	return copyInto(c, r)
}

// WriteTo implements the io.WriterTo WriteTo method, as
// net.TCPConn.WriteTo: to a TCP conn (netx's or net's) the kernel
// splices, as one blocking call (kind OpRead) cut on c only; to any other
// writer the copy is iox.CopyBuffer's. See ReadFrom.
func (c *TCPConn) WriteTo(w io.Writer) (int64, error) {
	return copyOut(c, w)
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

// copyInto copies r into c (see ReadFrom).
func copyInto(c *TCPConn, r io.Reader) (int64, error) {
	if c.tc == nil {
		return 0, syscall.EINVAL // a zero conn, as package net's
	}
	if faulted(c) || faulted(r) { // the bytes go through the toxics
		return iox.CopyBuffer(struct{ io.Writer }{c}, iox.Reader(r))
	}
	src, srcSide, lr := unwrapReader(r)
	switch {
	case srcSide != nil: // a splice: cut it on its source only
		return c.copyCall(iox.OpWrite, "readfrom", srcSide, func() (int64, error) {
			n, err := c.tc.ReadFrom(src)
			syncLimited(lr, src)
			return n, err
		})
	case isFile(r): // a sendfile: the file's offset keeps count, so cut it on c
		return c.copyCall(iox.OpWrite, "readfrom", &c.wr, func() (int64, error) { return c.tc.ReadFrom(r) })
	}
	return iox.CopyBuffer(struct{ io.Writer }{c}, iox.Reader(r))
}

// copyOut copies c into w (see WriteTo).
func copyOut(c *TCPConn, w io.Writer) (int64, error) {
	if c.tc == nil {
		return 0, syscall.EINVAL
	}
	if dst := unwrapWriter(w); dst != nil && !faulted(c) && !faulted(w) { // a splice: cut it on c only
		return c.copyCall(iox.OpRead, "writeto", &c.rd, func() (int64, error) { return dst.ReadFrom(c.tc) })
	}
	return iox.CopyBuffer(iox.Writer(w), struct{ io.Reader }{c})
}

// copyCall runs copy, a copy the kernel makes, as one blocking call of
// kind, interrupted through the deadline s of one of its two ends.
func (c *TCPConn) copyCall(kind iox.OpKind, name string, s *side, copy func() (int64, error)) (int64, error) {
	var total int64
	_, err := c.run(kind, s, name, true, func(int) (int, error) {
		n, err := copy()
		total += n
		return clampInt(n), err
	})
	return total, err
}

// unwrapReader returns what to hand net's ReadFrom in place of r for a
// splice: the net conn inside a netx TCP or Unix conn (also inside an
// io.LimitedReader, which is then a copy whose N syncLimited syncs back),
// and that conn's read side, through which the copy is cut short; a nil
// side if r is no such conn.
func unwrapReader(r io.Reader) (io.Reader, *side, *io.LimitedReader) {
	var lr *io.LimitedReader
	inner := r
	if l, ok := r.(*io.LimitedReader); ok {
		lr, inner = l, l.R
	}
	var raw io.Reader
	var s *side
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

// isFile reports whether r is an *os.File, or an io.LimitedReader of one:
// what net's ReadFrom sends with sendfile.
func isFile(r io.Reader) bool {
	if l, ok := r.(*io.LimitedReader); ok {
		r = l.R
	}
	_, ok := r.(*os.File)
	return ok
}

// unwrapWriter returns the *net.TCPConn w is or wraps, whose ReadFrom
// splices from a *net.TCPConn, or nil.
func unwrapWriter(w io.Writer) *net.TCPConn {
	switch v := w.(type) {
	case *TCPConn:
		return v.tc
	case *net.TCPConn:
		return v
	}
	return nil
}

func clampInt(n int64) int {
	if n > int64(^uint(0)>>1) {
		return int(^uint(0) >> 1)
	}
	return int(n)
}
