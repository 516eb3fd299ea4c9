package sim

import (
	"context"
	"github.com/coop-go/coop/netx/fault"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// maxDatagram is the largest UDP payload, as over IPv4.
const maxDatagram = 65507

// queueCap is how many datagrams a socket holds before it drops more.
const queueCap = 256

func isUDP(network string) bool {
	return network == "udp" || network == "udp4" || network == "udp6"
}

type datagram struct {
	from *net.UDPAddr
	data []byte
}

// A socket is a UDP socket of a simulated host, bound to a port; a dialed
// one also has a default peer.
type socket struct {
	host  *host
	addr  *net.UDPAddr
	peer  *net.UDPAddr // for Read and Write: set by a dial
	rdl   deadline
	wdl   deadline
	mu    sync.Mutex
	queue []datagram
	done  bool
	wake  chan struct{}

	// Toxics (fault.go): the links of what this socket sends, by
	// destination host, and the datagrams a toxic delays on their way in.
	links   map[string]*fault.Link
	pending []timedDatagram
	seq     uint64
	timer   *time.Timer
}

// ListenPacket announces on a UDP address of the host: see Listen.
func (ep *Endpoint) ListenPacket(network, address string) (net.PacketConn, error) {
	if !isUDP(network) {
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	s, err := ep.h.bindUDP(network, address)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (h *host) bindUDP(network, address string) (*socket, error) {
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
	addr := &net.UDPAddr{IP: h.addr.AsSlice(), Port: port}
	if h.sockets[port] != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: addr, Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	}
	s := &socket{host: h, addr: addr, wake: make(chan struct{})}
	h.sockets[port] = s
	return s, nil
}

// dialUDP makes a socket with a default peer.
func (ep *Endpoint) dialUDP(ctx context.Context, network, address string) (net.Conn, error) {
	hostPart, portPart, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	port, err := strconv.Atoi(portPart)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	ip, err := ep.h.net.resolve(ep.h, hostPart)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	s, err := ep.h.bindUDP(network, ":0")
	if err != nil {
		return nil, err
	}
	s.peer = &net.UDPAddr{IP: ip.AsSlice(), Port: port}
	return s, nil
}

func (s *socket) opError(op string, addr net.Addr, err error) error {
	return &net.OpError{Op: op, Net: "udp", Source: s.addr, Addr: addr, Err: err}
}

func (s *socket) notify() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// ReadFrom waits for a datagram.
func (s *socket) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		if s.rdl.passed() {
			return 0, nil, s.opError("read", nil, os.ErrDeadlineExceeded)
		}
		s.mu.Lock()
		if s.done {
			s.mu.Unlock()
			return 0, nil, s.opError("read", nil, net.ErrClosed)
		}
		if len(s.queue) > 0 {
			d := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return copy(b, d.data), d.from, nil
		}
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-s.rdl.wait():
		}
	}
}

// WriteTo sends a datagram: it is delivered to the socket at addr, if
// there is one and no partition is between, or dropped, as UDP's are.
func (s *socket) WriteTo(b []byte, addr net.Addr) (int, error) {
	if s.wdl.passed() {
		return 0, s.opError("write", addr, os.ErrDeadlineExceeded)
	}
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done {
		return 0, s.opError("write", addr, net.ErrClosed)
	}
	if len(b) > maxDatagram {
		return 0, s.opError("write", addr, os.NewSyscallError("sendto", syscall.EMSGSIZE))
	}
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, s.opError("write", addr, syscall.EINVAL)
	}
	n := s.host.net
	to := s.host
	if ip := ua.AddrPort().Addr().Unmap(); !ip.IsLoopback() {
		to = n.hostByAddr(ip)
	}
	if to == nil {
		return len(b), nil // nobody there: dropped
	}
	n.mu.Lock()
	cut := n.cut(s.host.name, to.name)
	n.mu.Unlock()
	if cut {
		return len(b), nil
	}
	to.mu.Lock()
	dst := to.sockets[ua.Port]
	to.mu.Unlock()
	if dst == nil {
		return len(b), nil
	}
	d := datagram{from: s.addr, data: append([]byte(nil), b...)}
	if to != s.host {
		if at, ok := s.toxic(to, d.data); !ok {
			return len(b), nil // dropped by a toxic
		} else if !at.IsZero() {
			dst.deliverAt(d, at)
			return len(b), nil
		}
	}
	dst.deliver(d)
	return len(b), nil
}

func (s *socket) deliver(d datagram) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done || len(s.queue) >= queueCap {
		return
	}
	s.queue = append(s.queue, d)
	s.notify()
}

// Read reads a datagram from the dialed peer (or anyone).
func (s *socket) Read(b []byte) (int, error) {
	n, _, err := s.ReadFrom(b)
	return n, err
}

// Write sends a datagram to the dialed peer.
func (s *socket) Write(b []byte) (int, error) {
	if s.peer == nil {
		return 0, s.opError("write", nil, syscall.EDESTADDRREQ)
	}
	return s.WriteTo(b, s.peer)
}

func (s *socket) Close() error {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return s.opError("close", nil, net.ErrClosed)
	}
	s.done = true
	s.queue, s.pending = nil, nil
	if s.timer != nil {
		s.timer.Stop()
	}
	s.notify()
	s.mu.Unlock()
	s.rdl.stop()
	s.wdl.stop()
	h := s.host
	h.mu.Lock()
	if h.sockets[s.addr.Port] == s {
		delete(h.sockets, s.addr.Port)
	}
	h.mu.Unlock()
	return nil
}

func (s *socket) LocalAddr() net.Addr { return s.addr }

// RemoteAddr returns the dialed peer, or nil.
func (s *socket) RemoteAddr() net.Addr {
	if s.peer == nil {
		return nil
	}
	return s.peer
}

func (s *socket) SetDeadline(t time.Time) error {
	s.rdl.set(t)
	s.wdl.set(t)
	return nil
}

func (s *socket) SetReadDeadline(t time.Time) error  { s.rdl.set(t); return nil }
func (s *socket) SetWriteDeadline(t time.Time) error { s.wdl.set(t); return nil }
