//go:build go1.26

package httpx

import (
	"context"
	"net/http"
)

// ClientConn is http.ClientConn: a client connection to an HTTP server.
// One made by Transport.NewClientConn is dialed through netx, so its
// dial, reads and writes are blocking calls of the scheduler; its
// RoundTrip, net/http's own, is not one itself.
type ClientConn = http.ClientConn

// NewClientConn creates a new client connection to the given address, as
// http.Transport.NewClientConn does, dialing it through netx (the dial is
// a blocking call).
//
// If scheme is "http", the connection is unencrypted. If scheme is
// "https", the connection uses TLS. The new connection is not added to
// the Transport's connection cache, and will not be used by
// Transport.RoundTrip. The caller is responsible for closing the new
// connection.
func (t *Transport) NewClientConn(ctx context.Context, scheme, address string) (*ClientConn, error) {
	t.init()
	return t.base.NewClientConn(ctx, scheme, address)
}
