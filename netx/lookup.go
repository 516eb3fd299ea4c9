package netx

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/coop-go/coop/internal/simworld"
	"github.com/coop-go/coop/iox"
)

// A Resolver looks up names and numbers, as net.Resolver: the same fields
// with the same meaning, and the same methods, each a blocking call of the
// coop scheduler (kind OpLookup, target the name) that a kill or an
// expired timeout scope cancels. Whether a lookup under way stops at once
// depends on the resolver: the pure Go resolver (PreferGo, or
// PatchResolver) stops; the cgo resolver runs on in its thread and its
// result is dropped.
type Resolver struct {
	// PreferGo controls whether Go's built-in DNS resolver is preferred on
	// platforms where it's available.
	PreferGo bool

	// StrictErrors controls the behavior of temporary errors; see
	// net.Resolver.StrictErrors.
	StrictErrors bool

	// Dial optionally specifies an alternate dialer for use by Go's
	// built-in DNS resolver to make TCP and UDP connections to DNS
	// services; see net.Resolver.Dial.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// DefaultResolver is the resolver used by the package-level Lookup
// functions and by Dialers without a specified Resolver.
var DefaultResolver = &Resolver{}

// defaultNet does the lookups of a Resolver with no option set: the
// system's choice of resolver, with Go's DNS connections dialed through
// netx. One value, so that concurrent lookups of a name are shared.
var (
	defaultNet     *net.Resolver
	defaultNetOnce sync.Once
)

// net returns the net.Resolver that does r's lookups.
func (r *Resolver) net() *net.Resolver {
	if r == nil || (!r.PreferGo && !r.StrictErrors && r.Dial == nil) {
		defaultNetOnce.Do(func() { defaultNet = &net.Resolver{Dial: dnsDial(nil)} })
		return defaultNet
	}
	return &net.Resolver{PreferGo: r.PreferGo, StrictErrors: r.StrictErrors, Dial: dnsDial(r.Dial)}
}

// dnsDial returns a dial function for Go's DNS resolver: it dials through
// dial (nil: netx), and ends the conn's calls when the dial's context ends.
// Go's resolver asks for A and AAAA records on goroutines of its own and
// bounds their reads by deadlines only; without this, a killed lookup
// would go on until the DNS timeout.
func dnsDial(dial func(ctx context.Context, network, address string) (net.Conn, error)) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		var c net.Conn
		var err error
		if dial != nil {
			c, err = dial(ctx, network, address)
		} else {
			var d Dialer
			c, err = d.DialContext(ctx, network, address)
		}
		if err != nil {
			return nil, err
		}
		c = Wrap(c)
		// The resolver cancels this context when the exchange is over,
		// after closing c: the deadline then lands on a closed conn.
		context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) }) // a deadline in the past
		return c, nil
	}
}

// lookup runs f, a lookup, through the door.
func lookup(ctx context.Context, target string, f func(context.Context) error) error {
	op, err := iox.Begin(ctx, iox.OpLookup, target)
	if err != nil {
		return &net.DNSError{Err: err.Error(), Name: target, IsTimeout: iox.ErrTimeout == err, UnwrapErr: err}
	}
	if op == nil {
		return f(ctx)
	}
	cctx, cancel := op.Context(ctx)
	err = f(cctx)
	cancel()
	mapped := op.End(0, err)
	if mapped == err || mapped == nil {
		return err
	}
	return &net.DNSError{Err: mapped.Error(), Name: target, IsTimeout: mapped == iox.ErrTimeout, UnwrapErr: mapped}
}

// LookupAddr performs a reverse lookup for the given address, returning a
// list of names mapping to that address.
func (r *Resolver) LookupAddr(ctx context.Context, addr string) (names []string, err error) {
	if n := simworld.NetworkOf(); n != nil {
		return nil, simNotFound(addr)
	}
	err = lookup(ctx, addr, func(ctx context.Context) (err error) { names, err = r.net().LookupAddr(ctx, addr); return })
	return names, err
}

// LookupCNAME returns the canonical name for the given host.
func (r *Resolver) LookupCNAME(ctx context.Context, host string) (cname string, err error) {
	if n := simworld.NetworkOf(); n != nil {
		if _, err := n.LookupHost(ctx, host); err != nil {
			return "", err
		}
		return host + ".", nil
	}
	err = lookup(ctx, host, func(ctx context.Context) (err error) { cname, err = r.net().LookupCNAME(ctx, host); return })
	return cname, err
}

// LookupHost looks up the given host using the local resolver. It returns
// a slice of that host's addresses.
func (r *Resolver) LookupHost(ctx context.Context, host string) (addrs []string, err error) {
	if n := simworld.NetworkOf(); n != nil {
		return n.LookupHost(ctx, host)
	}
	err = lookup(ctx, host, func(ctx context.Context) (err error) { addrs, err = r.net().LookupHost(ctx, host); return })
	return addrs, err
}

// LookupIP looks up host for the given network using the local resolver.
// It returns a slice of that host's IP addresses of the type specified by
// network.
func (r *Resolver) LookupIP(ctx context.Context, network, host string) (ips []net.IP, err error) {
	if n := simworld.NetworkOf(); n != nil {
		return n.LookupIP(ctx, network, host)
	}
	err = lookup(ctx, host, func(ctx context.Context) (err error) { ips, err = r.net().LookupIP(ctx, network, host); return })
	return ips, err
}

// LookupIPAddr looks up host using the local resolver. It returns a slice
// of that host's IPv4 and IPv6 addresses.
func (r *Resolver) LookupIPAddr(ctx context.Context, host string) (addrs []net.IPAddr, err error) {
	if n := simworld.NetworkOf(); n != nil {
		ips, err := n.LookupIP(ctx, "ip", host)
		for _, ip := range ips {
			addrs = append(addrs, net.IPAddr{IP: ip})
		}
		return addrs, err
	}
	err = lookup(ctx, host, func(ctx context.Context) (err error) { addrs, err = r.net().LookupIPAddr(ctx, host); return })
	return addrs, err
}

// LookupMX returns the DNS MX records for the given domain name sorted by
// preference.
func (r *Resolver) LookupMX(ctx context.Context, name string) (mx []*net.MX, err error) {
	if n := simworld.NetworkOf(); n != nil {
		return nil, simNotFound(name)
	}
	err = lookup(ctx, name, func(ctx context.Context) (err error) { mx, err = r.net().LookupMX(ctx, name); return })
	return mx, err
}

// LookupNS returns the DNS NS records for the given domain name.
func (r *Resolver) LookupNS(ctx context.Context, name string) (ns []*net.NS, err error) {
	if n := simworld.NetworkOf(); n != nil {
		return nil, simNotFound(name)
	}
	err = lookup(ctx, name, func(ctx context.Context) (err error) { ns, err = r.net().LookupNS(ctx, name); return })
	return ns, err
}

// LookupNetIP looks up host using the local resolver. It returns a slice
// of that host's IP addresses of the type specified by network.
func (r *Resolver) LookupNetIP(ctx context.Context, network, host string) (addrs []netip.Addr, err error) {
	if n := simworld.NetworkOf(); n != nil {
		return simLookupNetIP(ctx, n, network, host)
	}
	err = lookup(ctx, host, func(ctx context.Context) (err error) { addrs, err = r.net().LookupNetIP(ctx, network, host); return })
	return addrs, err
}

// LookupPort looks up the port for the given network and service.
func (r *Resolver) LookupPort(ctx context.Context, network, service string) (port int, err error) {
	if n := simworld.NetworkOf(); n != nil {
		return n.LookupPort(ctx, network, service)
	}
	err = lookup(ctx, service, func(ctx context.Context) (err error) { port, err = r.net().LookupPort(ctx, network, service); return })
	return port, err
}

// LookupSRV tries to resolve an SRV query of the given service, protocol,
// and domain name; see net.Resolver.LookupSRV.
func (r *Resolver) LookupSRV(ctx context.Context, service, proto, name string) (cname string, addrs []*net.SRV, err error) {
	if n := simworld.NetworkOf(); n != nil {
		return "", nil, simNotFound(name)
	}
	err = lookup(ctx, name, func(ctx context.Context) (err error) {
		cname, addrs, err = r.net().LookupSRV(ctx, service, proto, name)
		return
	})
	return cname, addrs, err
}

// LookupTXT returns the DNS TXT records for the given domain name.
func (r *Resolver) LookupTXT(ctx context.Context, name string) (txt []string, err error) {
	if n := simworld.NetworkOf(); n != nil {
		return nil, simNotFound(name)
	}
	err = lookup(ctx, name, func(ctx context.Context) (err error) { txt, err = r.net().LookupTXT(ctx, name); return })
	return txt, err
}

// LookupAddr performs a reverse lookup for the given address, as
// net.LookupAddr, as a blocking call.
func LookupAddr(addr string) (names []string, err error) {
	return DefaultResolver.LookupAddr(context.Background(), addr)
}

// LookupCNAME returns the canonical name for the given host, as
// net.LookupCNAME, as a blocking call.
func LookupCNAME(host string) (cname string, err error) {
	return DefaultResolver.LookupCNAME(context.Background(), host)
}

// LookupHost looks up the given host using the local resolver, as
// net.LookupHost, as a blocking call.
func LookupHost(host string) (addrs []string, err error) {
	return DefaultResolver.LookupHost(context.Background(), host)
}

// LookupIP looks up host using the local resolver, as net.LookupIP, as a
// blocking call.
func LookupIP(host string) ([]net.IP, error) {
	addrs, err := DefaultResolver.LookupIPAddr(context.Background(), host)
	if err != nil {
		return nil, err
	}
	ips := make([]net.IP, len(addrs))
	for i, a := range addrs {
		ips[i] = a.IP
	}
	return ips, nil
}

// LookupMX returns the DNS MX records for the given domain name, as
// net.LookupMX, as a blocking call.
func LookupMX(name string) ([]*net.MX, error) {
	return DefaultResolver.LookupMX(context.Background(), name)
}

// LookupNS returns the DNS NS records for the given domain name, as
// net.LookupNS, as a blocking call.
func LookupNS(name string) ([]*net.NS, error) {
	return DefaultResolver.LookupNS(context.Background(), name)
}

// LookupPort looks up the port for the given network and service, as
// net.LookupPort, as a blocking call.
func LookupPort(network, service string) (port int, err error) {
	return DefaultResolver.LookupPort(context.Background(), network, service)
}

// LookupSRV tries to resolve an SRV query of the given service, protocol,
// and domain name, as net.LookupSRV, as a blocking call.
func LookupSRV(service, proto, name string) (cname string, addrs []*net.SRV, err error) {
	return DefaultResolver.LookupSRV(context.Background(), service, proto, name)
}

// LookupTXT returns the DNS TXT records for the given domain name, as
// net.LookupTXT, as a blocking call.
func LookupTXT(name string) ([]string, error) {
	return DefaultResolver.LookupTXT(context.Background(), name)
}

// ResolveIPAddr returns an address of IP end point, as net.ResolveIPAddr;
// resolving a host name is a blocking call (kind OpLookup), checked for a
// kill or an expired scope before it starts.
func ResolveIPAddr(network, address string) (a *net.IPAddr, err error) {
	err = lookup(background, address, func(context.Context) (err error) { a, err = net.ResolveIPAddr(network, address); return })
	return a, err
}

// ResolveTCPAddr returns an address of TCP end point, as
// net.ResolveTCPAddr; see ResolveIPAddr.
func ResolveTCPAddr(network, address string) (a *net.TCPAddr, err error) {
	err = lookup(background, address, func(context.Context) (err error) { a, err = net.ResolveTCPAddr(network, address); return })
	return a, err
}

// ResolveUDPAddr returns an address of UDP end point, as
// net.ResolveUDPAddr; see ResolveIPAddr.
func ResolveUDPAddr(network, address string) (a *net.UDPAddr, err error) {
	err = lookup(background, address, func(context.Context) (err error) { a, err = net.ResolveUDPAddr(network, address); return })
	return a, err
}
