package tlsx

import (
	"context"
	"crypto/tls"
	"net"
	"strings"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// opHandshake is the kind a handshake is reported as.
const opHandshake = iox.OpHandshake

// Dial connects to the given network address using netx.Dial and then
// initiates a TLS handshake, returning the resulting TLS connection, as
// tls.Dial. The dial and the handshake are blocking calls of the coop
// scheduler (see Dialer.DialContext). Dial interprets a nil configuration
// as equivalent to the zero configuration; see the documentation of
// Config for the defaults.
func Dial(network, addr string, config *Config) (*Conn, error) {
	return DialWithDialer(new(netx.Dialer), network, addr, config)
}

// DialWithDialer connects to the given network address using dialer.Dial
// and then initiates a TLS handshake, returning the resulting TLS
// connection, as tls.DialWithDialer, but with a *netx.Dialer: the dial and
// the handshake are blocking calls of the coop scheduler (see
// Dialer.DialContext). Any timeout or deadline given in the dialer apply
// to connection and TLS handshake as a whole.
//
// DialWithDialer interprets a nil configuration as equivalent to the zero
// configuration; see the documentation of Config for the defaults. It
// panics if dialer is nil, as tls.DialWithDialer does.
//
// DialWithDialer uses context.Background internally; to specify the
// context, use Dialer.DialContext with NetDialer set to the desired
// dialer.
func DialWithDialer(dialer *netx.Dialer, network, addr string, config *Config) (*Conn, error) {
	if dialer == nil {
		panic("tlsx: DialWithDialer with a nil *netx.Dialer")
	}
	return dial(context.Background(), dialer, network, addr, config)
}

// dial is crypto/tls's dial, with a netx dialer and the handshake a
// blocking call.
func dial(ctx context.Context, netDialer *netx.Dialer, network, addr string, config *Config) (*Conn, error) {
	if netDialer.Timeout != 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, netDialer.Timeout)
		defer cancel()
	}
	if !netDialer.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, netDialer.Deadline)
		defer cancel()
	}
	rawConn, err := netDialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	colonPos := strings.LastIndex(addr, ":")
	if colonPos == -1 {
		colonPos = len(addr)
	}
	hostname := addr[:colonPos]
	if config == nil {
		config = &tls.Config{}
	}
	// If no ServerName is set, infer the ServerName from the hostname
	// we're connecting to, in a copy of the config.
	if config.ServerName == "" {
		c := config.Clone()
		c.ServerName = hostname
		config = c
	}
	conn := tls.Client(rawConn, config)
	if err := handshake(ctx, conn, config.ServerName); err != nil {
		rawConn.Close()
		return nil, err
	}
	return conn, nil
}

// handshake runs c's handshake under ctx as one blocking call of the
// scheduler, reported with the server's name. A kill or an expired
// timeout scope ends it in two ways at once: the reads and writes of a
// netx conn underneath are blocking calls themselves, and ctx, bound to
// the call, is cancelled (crypto/tls then closes the conn).
func handshake(ctx context.Context, c *tls.Conn, serverName string) error {
	op, err := iox.Begin(ctx, opHandshake, serverName)
	if err != nil {
		return err
	}
	if op == nil {
		return c.HandshakeContext(ctx)
	}
	hctx, cancel := op.Context(ctx)
	err = c.HandshakeContext(hctx)
	cancel()
	return op.End(0, err)
}

// Dialer dials TLS connections given a configuration and a netx.Dialer
// for the underlying connection, as tls.Dialer; the dial and the handshake
// are blocking calls of the coop scheduler. The zero value is ready to
// use. It is safe to call Dialer's methods concurrently.
type Dialer struct {
	// NetDialer is the optional dialer to use for the TLS connections'
	// underlying TCP connections. A nil NetDialer is equivalent to the
	// netx.Dialer zero value.
	NetDialer *netx.Dialer

	// Config is the TLS configuration to use for new connections. A nil
	// configuration is equivalent to the zero configuration; see the
	// documentation of Config for the defaults.
	Config *Config
}

// Dial connects to the given network address and initiates a TLS
// handshake, returning the resulting TLS connection.
//
// The returned Conn, if any, will always be of type *Conn.
//
// Dial uses context.Background internally; to specify the context, use
// Dialer.DialContext.
func (d *Dialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

func (d *Dialer) netDialer() *netx.Dialer {
	if d.NetDialer != nil {
		return d.NetDialer
	}
	return new(netx.Dialer)
}

// DialContext connects to the given network address and initiates a TLS
// handshake, returning the resulting TLS connection, as
// tls.Dialer.DialContext.
//
// The dial is a blocking call of the scheduler (see
// netx.Dialer.DialContext) and so is the handshake, reported with the
// server's name: neither starts in a killed task or an expired timeout
// scope, each gives the turn up in Cooperative mode, and a kill or a scope
// that expires while either blocks ends it with an error matching
// iox.ErrKilled or iox.ErrTimeout. The conn underneath is a netx conn, so
// the returned Conn's reads and writes are blocking calls too.
//
// The provided Context must be non-nil. If the context expires before the
// connection is complete, an error is returned. Once successfully
// connected, any expiration of the context will not affect the
// connection.
//
// The returned Conn, if any, will always be of type *Conn.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := dial(ctx, d.netDialer(), network, addr, d.Config)
	if err != nil {
		// Don't return c (a typed nil) in an interface.
		return nil, err
	}
	return c, nil
}
