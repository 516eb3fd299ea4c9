package netx

import (
	"github.com/coop-go/coop/internal/faultnet"
	"github.com/coop-go/coop/iox"
)

// The toxics of package netx/fault reach netx's conns here. netx checks
// for them with one atomic load (faultnet.Current) on the paths that move
// bytes; everything else is the driver's, behind internal/faultnet.

// faults returns the stream the toxics make of c's bytes, nil if none
// applies: the driver's answer, remembered until the toxics change.
func (c *conn) faults(d faultnet.Driver) faultnet.Stream {
	if st, ok := c.fx.Bound(); ok {
		return st
	}
	return d.Bind(&faultnet.Conn{Slot: &c.fx, Raw: c.nc, Target: c.target, Read: &c.rd.Keeper, Write: &c.wr.Keeper})
}

// faultRead is Read through the toxics: one blocking call, as Read is.
func (c *conn) faultRead(st faultnet.Stream, b []byte) (int, error) {
	return c.faultCall(iox.OpRead, &c.rd, "read", false, func(op *iox.Op, _ int) (int, error) { return st.Read(op, b) })
}

// faultWrite is Write through the toxics.
func (c *conn) faultWrite(st faultnet.Stream, b []byte) (int, error) {
	return c.faultCall(iox.OpWrite, &c.wr, "write", true, func(op *iox.Op, done int) (int, error) { return st.Write(op, b[done:]) })
}

// faultCall is run for a real call that needs its op (see run).
func (c *conn) faultCall(kind iox.OpKind, s *side, name string, full bool, f func(op *iox.Op, done int) (int, error)) (int, error) {
	op, err := iox.Begin(background, kind, c.target)
	if err != nil {
		return 0, c.opError(name, err)
	}
	if op == nil {
		return f(nil, 0)
	}
	return c.call(op, s, full, func(done int) (int, error) { return f(op, done) })
}

// refused returns the error a dial of address must fail with because of a
// toxic (Refuse), or nil.
func refused(network, address string) error {
	if d := faultnet.Current(); d != nil {
		return d.Dial(network, address)
	}
	return nil
}

// faulted reports whether a toxic applies to conn x, a netx conn or
// another reader or writer: a copy through it cannot be the kernel's.
func faulted(x any) bool {
	d := faultnet.Current()
	if d == nil {
		return false
	}
	var c *conn
	switch v := x.(type) {
	case *TCPConn:
		c = &v.conn
	case *UnixConn:
		c = &v.conn
	default:
		return false
	}
	return c.nc != nil && c.faults(d) != nil
}

// closeWrite is CloseWrite through the toxics, which may hold bytes for
// the remote that must go before the end of the stream.
func (c *conn) closeWrite(shut func() error) error {
	if faultnet.Current() != nil {
		if st := c.fx.Last(); st != nil {
			return st.CloseWrite(shut)
		}
	}
	return shut()
}
