package httpx

import (
	"context"
	"net"

	"github.com/coop-go/coop/iox"
)

// wrapDialTLS returns the DialTLSContext an underlying *http.Transport
// uses, given the DialTLSContext and DialTLS a user set (either may be
// nil): nil for neither, and net/http then runs the TLS handshake itself
// over the netx conn of DialContext, whose reads and writes are blocking
// calls. Else it is the user's, each call a blocking call of the scheduler
// (kind iox.OpDial, target the address) for the task the context carries:
// the call does not start in a killed task, and the context it gets, which
// net/http detaches from the request's cancellation, ends when that task
// is killed. Its conn is used as it is (TLS is above it, and netx wraps
// below TLS only); one made with tlsx (or netx and crypto/tls) has a netx
// conn underneath.
func wrapDialTLS(dc dialFunc, d func(network, addr string) (net.Conn, error)) dialFunc {
	switch {
	case dc == nil && d == nil:
		return nil
	case dc == nil:
		dc = func(ctx context.Context, network, addr string) (net.Conn, error) { return d(network, addr) }
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		op, err := iox.Begin(ctx, iox.OpDial, addr)
		if err != nil {
			return nil, &net.OpError{Op: "dial", Net: network, Err: err}
		}
		if op == nil {
			return dc(ctx, network, addr)
		}
		cctx, cancel := op.Context(ctx)
		c, err := dc(cctx, network, addr)
		cancel()
		if err = op.End(0, err); err != nil {
			if c != nil {
				c.Close()
			}
			return nil, err
		}
		return c, nil
	}
}
