package netx

import (
	"context"
	"net"
	"net/netip"

	"github.com/coop-go/coop/internal/simworld"
)

// In a simulated world (package sim), the dials, listens and lookups of
// the world's goroutines go to the world's network, as the host the
// goroutine runs on; the conns, listeners and packet conns they return are
// wrapped as any netx conn is, so that their calls go through the door.
// Outside a world, simworld.NetworkOf is one atomic load.

// simDial dials through the world's network n.
func simDial(ctx context.Context, n simworld.Network, network, address string) (net.Conn, error) {
	var c net.Conn
	err := runDial(ctx, network, address, func(ctx context.Context) (err error) {
		c, err = n.DialContext(ctx, network, address)
		return err
	})
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}

// simLookupNetIP resolves host through the world's network n.
func simLookupNetIP(ctx context.Context, n simworld.Network, network, host string) ([]netip.Addr, error) {
	ips, err := n.LookupIP(ctx, network, host)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a.Unmap())
		}
	}
	return out, nil
}

// simNotFound is the answer, in a world, to a lookup of records the
// world's network does not keep (MX, SRV, TXT...).
func simNotFound(name string) error {
	return &net.DNSError{Err: "no such record in a simulated world", Name: name, IsNotFound: true}
}
