package sim

import (
	"context"
	"errors"
	"fmt"
	"github.com/coop-go/coop/netx/fault"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
)

// A Network is an in-memory network of named hosts with TCP and UDP
// semantics: a simulated world's network, and, outside any world, an
// in-memory network for ordinary tests (NewNetwork), on the real clock.
//
// Each host has its own address (10.0.0.1, 10.0.0.2, ... in the order
// hosts are first made) and its name resolves to it. TCP: a dial with no
// listener is refused, a listener's accept queue holds a backlog, each
// direction of a conn buffers up to 64 KiB and a writer blocks when it is
// full, CloseWrite sends FIN, a crash resets every conn of the host. UDP:
// datagrams up to 65,507 bytes to a port with a socket, queued there. A
// partition between two hosts stalls their established conns (nothing
// passes, in either direction, until the heal), makes dials between them
// wait until their deadline, and drops their datagrams.
//
// A Network is safe for concurrent use by multiple goroutines.
type Network struct {
	mu    sync.Mutex
	hosts map[string]*host // by name
	addrs map[netip.Addr]*host
	cuts  map[[2]string]bool // partitioned pairs of host names, in order
	next  int                // hosts made so far

	faults []*injection // World.Inject's toxics in force (fault.go)
	seed   uint64       // the world's, for the toxics' draws
	dials  rand.Source  // draws for Refuse's toxicity
}

// NewNetwork returns an empty in-memory network. Outside a simulated
// world it runs on the machine's clock: a test makes hosts with Host and
// dials, listens and resolves through them, with the net.Conn and
// net.Listener interfaces; wrap them with netx.Wrap and netx.WrapListener
// to make their calls blocking calls of the coop scheduler (a world's
// goroutines get them wrapped already, through netx's own Dial and
// Listen).
func NewNetwork() *Network {
	return &Network{hosts: map[string]*host{}, addrs: map[netip.Addr]*host{}, cuts: map[[2]string]bool{}}
}

// Host returns the host of the given name, made with the next address if
// it does not exist yet, and revived with the same address if it crashed.
// It panics on an empty name.
func (n *Network) Host(name string) *Endpoint {
	if name == "" {
		panic("sim: a host needs a name")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	h := n.hosts[name]
	if h == nil {
		n.next++
		if n.next > 250*250 {
			panic("sim: too many hosts")
		}
		addr := netip.AddrFrom4([4]byte{10, 0, byte(n.next / 250), byte(n.next % 250)})
		h = &host{net: n, name: name, addr: addr}
		h.reset()
		n.hosts[name] = h
		n.addrs[addr] = h
	} else if h.crashed {
		h.reset()
	}
	return &Endpoint{h: h}
}

// cut reports whether hosts a and b are partitioned; n.mu is held.
func (n *Network) cut(a, b string) bool {
	return n.cuts[pair(a, b)]
}

func pair(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

// Partition cuts hosts a and b off each other, both ways: see Network.
func (n *Network) Partition(a, b string) { n.setCut(a, b, true) }

// Heal undoes Partition(a, b): their stalled conns resume, in order,
// losing nothing.
func (n *Network) Heal(a, b string) { n.setCut(a, b, false) }

func (n *Network) setCut(a, b string, cut bool) {
	n.mu.Lock()
	if cut {
		n.cuts[pair(a, b)] = true
	} else {
		delete(n.cuts, pair(a, b))
	}
	ends := n.endsBetween(a, b)
	n.mu.Unlock()
	for _, e := range ends {
		e.hold(cut)
	}
}

// endsBetween returns the conn ends of host a whose peer is on host b and
// the other way round; n.mu is held.
func (n *Network) endsBetween(a, b string) []*end {
	var out []*end
	for _, pr := range [][2]string{{a, b}, {b, a}} {
		h, peer := n.hosts[pr[0]], n.hosts[pr[1]]
		if h == nil || peer == nil {
			continue
		}
		h.mu.Lock()
		for e := range h.conns {
			if e.remote.AddrPort().Addr() == peer.addr {
				out = append(out, e)
			}
		}
		h.mu.Unlock()
	}
	return out
}

// Crash crashes the host of the given name: its listeners and sockets
// close, and every conn it has is reset, on both ends. Host revives it
// with the same address. Crash of a host that does not exist does nothing.
func (n *Network) Crash(name string) {
	n.mu.Lock()
	h := n.hosts[name]
	n.mu.Unlock()
	if h != nil {
		h.crash()
	}
}

// hostByAddr returns the host with the given address, or nil.
func (n *Network) hostByAddr(a netip.Addr) *host {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.addrs[a.Unmap()]
}

// resolve returns the address of a host name or literal, as seen from
// host from: "localhost" is from itself.
func (n *Network) resolve(from *host, name string) (netip.Addr, error) {
	if name == "" || name == "localhost" {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), nil
	}
	if a, err := netip.ParseAddr(name); err == nil {
		return a.Unmap(), nil
	}
	n.mu.Lock()
	h := n.hosts[name]
	n.mu.Unlock()
	if h == nil {
		return netip.Addr{}, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return h.addr, nil
}

// A host is one machine of a Network.
type host struct {
	net  *Network
	name string
	addr netip.Addr

	mu        sync.Mutex
	crashed   bool
	listeners map[int]*listener
	sockets   map[int]*socket
	conns     map[*end]struct{}
	nextPort  int
}

// reset makes the host new: no listener, socket or conn, ephemeral ports
// from 49152 again; n.mu is held.
func (h *host) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.crashed = false
	h.listeners = map[int]*listener{}
	h.sockets = map[int]*socket{}
	h.conns = map[*end]struct{}{}
	h.nextPort = 49152
}

// crash closes everything the host has and resets its conns.
func (h *host) crash() {
	h.mu.Lock()
	h.crashed = true
	ls := mapValues(h.listeners)
	ss := mapValues(h.sockets)
	var ends []*end
	for e := range h.conns {
		ends = append(ends, e)
	}
	h.listeners, h.sockets, h.conns = map[int]*listener{}, map[int]*socket{}, map[*end]struct{}{}
	h.mu.Unlock()
	// In a fixed order: a crash's effects happen in the world's order.
	slices.SortFunc(ends, func(a, b *end) int { return a.local.AddrPort().Compare(b.local.AddrPort()) })
	for _, l := range ls {
		l.close(true)
	}
	for _, s := range ss {
		s.Close()
	}
	for _, e := range ends {
		e.reset()
	}
}

// mapValues returns m's values, in order of their keys.
func mapValues[V any](m map[int]V) []V {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]V, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// ephemeral returns a free ephemeral port of the host; h.mu is held.
func (h *host) ephemeral() (int, error) {
	for range 65536 - 49152 {
		p := h.nextPort
		h.nextPort++
		if h.nextPort > 65535 {
			h.nextPort = 49152
		}
		if h.listeners[p] == nil && h.sockets[p] == nil && !h.portInUse(p) {
			return p, nil
		}
	}
	return 0, syscall.EADDRINUSE
}

// portInUse reports whether a conn of the host has local port p; h.mu is
// held.
func (h *host) portInUse(p int) bool {
	for e := range h.conns {
		if e.local.Port == p {
			return true
		}
	}
	return false
}

func (h *host) forget(e *end) {
	h.mu.Lock()
	delete(h.conns, e)
	h.mu.Unlock()
}

// local parses a listen address on the host: the port (0: ephemeral) and
// whether the address is the host's (or any, or loopback).
func (h *host) local(address string) (int, error) {
	hostPart, portPart, err := net.SplitHostPort(address)
	if err != nil {
		return 0, err
	}
	port, err := strconv.Atoi(portPart)
	if err != nil || port < 0 || port > 65535 {
		return 0, fmt.Errorf("sim: bad port %q", portPart)
	}
	switch hostPart {
	case "", "0.0.0.0", "::", "localhost", "127.0.0.1", "::1", h.name, h.addr.String():
		return port, nil
	}
	return 0, os.NewSyscallError("bind", syscall.EADDRNOTAVAIL)
}

var errCrashed = errors.New("sim: the host has crashed")

// An Endpoint is a host of a Network as the programs on it see it: it
// dials, listens and resolves as package net does. Its conns, listeners
// and packet conns are raw: wrap them with netx to make their calls
// blocking calls of the coop scheduler (a simulated world's goroutines get
// them through netx, wrapped already). An Endpoint is safe for concurrent
// use by multiple goroutines.
type Endpoint struct{ h *host }

// Name returns the host's name.
func (ep *Endpoint) Name() string { return ep.h.name }

// Addr returns the host's address.
func (ep *Endpoint) Addr() netip.Addr { return ep.h.addr }

// Network returns the network the host is on.
func (ep *Endpoint) Network() *Network { return ep.h.net }

// Listen announces on a TCP address of the host: ":8080", "0.0.0.0:8080",
// the host's own address or name, or the loopback address; port 0 picks an
// ephemeral port.
func (ep *Endpoint) Listen(network, address string) (net.Listener, error) {
	h := ep.h
	if !isTCP(network) {
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	port, err := h.local(address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.crashed {
		return nil, &net.OpError{Op: "listen", Net: network, Err: errCrashed}
	}
	if port == 0 {
		if port, err = h.ephemeral(); err != nil {
			return nil, &net.OpError{Op: "listen", Net: network, Err: err}
		}
	}
	addr := &net.TCPAddr{IP: h.addr.AsSlice(), Port: port}
	if h.listeners[port] != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	}
	l := newListener(h, addr)
	h.listeners[port] = l
	return l, nil
}

func isTCP(network string) bool {
	return network == "tcp" || network == "tcp4" || network == "tcp6"
}

// DialContext connects to a TCP address: a host's name or address and a
// port. With no listener there the dial is refused; across a partition it
// waits until ctx ends.
func (ep *Endpoint) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	from := ep.h
	if !isTCP(network) {
		if isUDP(network) {
			return ep.dialUDP(ctx, network, address)
		}
		return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
	}
	hostPart, portPart, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	port, err := net.LookupPort(network, portPart)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	ip, err := from.net.resolve(from, hostPart)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	raddr := &net.TCPAddr{IP: ip.AsSlice(), Port: port}
	to := from
	if !ip.IsLoopback() {
		to = from.net.hostByAddr(ip)
	}
	if to != nil && to != from {
		from.net.mu.Lock()
		cut := from.net.cut(from.name, to.name)
		from.net.mu.Unlock()
		if cut {
			<-ctx.Done() // nothing answers the SYN
			return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: dialErr(ctx)}
		}
	}
	refused := &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	if to == nil {
		return nil, refused
	}
	var up, down []*fault.Toxic
	if to != from {
		if from.net.refuses(from.name, to.name) {
			return nil, refused
		}
		from.net.mu.Lock()
		up, down = from.net.toxicsLocked(from.name, to.name), from.net.toxicsLocked(to.name, from.name)
		from.net.mu.Unlock()
	}
	to.mu.Lock()
	l := to.listeners[port]
	crashed := to.crashed
	to.mu.Unlock()
	if l == nil || crashed {
		return nil, refused
	}
	from.mu.Lock()
	if from.crashed {
		from.mu.Unlock()
		return nil, &net.OpError{Op: "dial", Net: network, Err: errCrashed}
	}
	lport, err := from.ephemeral()
	if err != nil {
		from.mu.Unlock()
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	laddr := &net.TCPAddr{IP: from.addr.AsSlice(), Port: lport}
	if to == from || ip.IsLoopback() {
		laddr.IP = ip.AsSlice()
	}
	a2b, b2a := newPipe(), newPipe()
	client := &end{host: from, local: laddr, remote: raddr, rd: b2a, wr: a2b, done: make(chan struct{})}
	server := &end{host: to, local: l.addr, remote: laddr, rd: a2b, wr: b2a, done: make(chan struct{})}
	if ip.IsLoopback() {
		server.local = &net.TCPAddr{IP: ip.AsSlice(), Port: port}
	}
	if to != from {
		seed := from.net.seed
		*a2b = pipe{changed: a2b.changed, src: from, dst: to, srcAddr: laddr, dstAddr: raddr, seed: seed, peer: b2a}
		*b2a = pipe{changed: b2a.changed, src: to, dst: from, srcAddr: raddr, dstAddr: laddr, seed: seed, peer: a2b}
		a2b.initToxics(up)
		b2a.initToxics(down)
	}
	from.conns[client] = struct{}{}
	from.mu.Unlock()
	if err := l.enqueue(ctx, server); err != nil {
		client.reset()
		from.forget(client)
		if errors.Is(err, errListenerClosed) {
			return nil, refused
		}
		return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: err}
	}
	return client, nil
}

// dialErr is a dial's error when ctx ended: a timeout for a deadline.
func dialErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return os.ErrDeadlineExceeded
	}
	return ctx.Err()
}

// LookupHost resolves a host's name to its address.
func (ep *Endpoint) LookupHost(ctx context.Context, host string) ([]string, error) {
	a, err := ep.h.net.resolve(ep.h, host)
	if err != nil {
		return nil, err
	}
	return []string{a.String()}, nil
}

// LookupIP resolves a host's name to its address.
func (ep *Endpoint) LookupIP(ctx context.Context, network, host string) ([]net.IP, error) {
	a, err := ep.h.net.resolve(ep.h, host)
	if err != nil {
		return nil, err
	}
	return []net.IP{a.AsSlice()}, nil
}

// LookupPort resolves a service name or number to a port, as package net.
func (ep *Endpoint) LookupPort(ctx context.Context, network, service string) (int, error) {
	return net.LookupPort(network, service)
}
