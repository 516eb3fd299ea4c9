package tlsx

import (
	"crypto/tls"
	"errors"
	"net"

	"github.com/coop-go/coop/netx"
)

// Listen creates a TLS listener accepting connections on the given network
// address using netx.Listen, as tls.Listen: its Accept is a blocking call
// of the coop scheduler, and so are the reads and writes (the handshake's
// among them) of the conns it returns. The configuration config must be
// non-nil and must include at least one certificate or else set
// GetCertificate.
func Listen(network, laddr string, config *Config) (net.Listener, error) {
	if config == nil || len(config.Certificates) == 0 &&
		config.GetCertificate == nil && config.GetConfigForClient == nil {
		return nil, errors.New("tls: neither Certificates, GetCertificate, nor GetConfigForClient set in Config")
	}
	l, err := netx.Listen(network, laddr)
	if err != nil {
		return nil, err
	}
	return tls.NewListener(l, config), nil
}

// NewListener creates a Listener which accepts connections from an inner
// Listener and wraps each connection with Server, as tls.NewListener; the
// inner listener is wrapped by netx first (netx.WrapListener: one netx
// made is kept as it is), so that the accepted conns' reads and writes
// are blocking calls of the coop scheduler. The configuration config must
// be non-nil and must include at least one certificate or else set
// GetCertificate.
func NewListener(inner net.Listener, config *Config) net.Listener {
	return tls.NewListener(netx.WrapListener(inner), config)
}
