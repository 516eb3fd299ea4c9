package netx

import (
	"context"
	"net"
	"net/netip"
	"strings"

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

// simResolve resolves address ("host:port", or a host alone when
// withPort is false) on a world's network, as net's Resolve*Addr do on the
// machine's: an empty host is the unspecified address, a literal is
// parsed, a name is looked up on the world's hosts.
func simResolve(n simworld.Network, network, address string, withPort bool) (ip net.IP, port int, zone string, err error) {
	host := address
	if withPort {
		var p string
		host, p, err = net.SplitHostPort(address)
		if err != nil {
			return nil, 0, "", err
		}
		if port, err = n.LookupPort(background, network, p); err != nil {
			return nil, 0, "", err
		}
	}
	host, zone, _ = strings.Cut(host, "%")
	if host == "" {
		return nil, port, zone, nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.AsSlice(), port, zone, nil
	}
	ipNet := "ip"
	switch {
	case strings.HasSuffix(network, "4"):
		ipNet = "ip4"
	case strings.HasSuffix(network, "6"):
		ipNet = "ip6"
	}
	ips, err := n.LookupIP(background, ipNet, host)
	if err != nil {
		return nil, 0, "", err
	}
	if len(ips) == 0 {
		return nil, 0, "", simNotFound(host)
	}
	return ips[0], port, zone, nil
}
