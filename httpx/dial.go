package httpx

import (
	"context"
	"net"

	"github.com/coop-go/coop/netx"
)

// dialFunc is the type of Transport.DialContext.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// dialer returns the DialContext an underlying *http.Transport dials
// with, given the DialContext and Dial a user set (either may be nil):
// netx's, for neither (net/http would use a zero net.Dialer), else the
// user's made a blocking call whose conn netx wraps (netx.WrapDial).
func dialer(dc dialFunc, d func(network, addr string) (net.Conn, error)) dialFunc {
	switch {
	case dc != nil:
		return netx.WrapDial(dc)
	case d != nil:
		return netx.WrapDial(func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d(network, addr)
		})
	}
	var nd netx.Dialer
	return nd.DialContext
}
