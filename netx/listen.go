package netx

import (
	"context"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/coop-go/coop/internal/simworld"
)

// ListenConfig contains options for listening to an address, as
// net.ListenConfig; the listeners and packet conns it returns are netx's.
type ListenConfig struct {
	// If Control is not nil, it is called after creating the network
	// connection but before binding it to the operating system; see
	// net.ListenConfig.Control.
	Control func(network, address string, c syscall.RawConn) error

	// KeepAlive specifies the keep-alive period for network connections
	// accepted by this listener; see net.ListenConfig.KeepAlive.
	KeepAlive time.Duration

	// KeepAliveConfig specifies the keep-alive probe configuration for an
	// active network connection, when supported by the protocol and
	// operating system.
	KeepAliveConfig net.KeepAliveConfig

	mptcp int8
}

func (lc *ListenConfig) net() *net.ListenConfig {
	nlc := &net.ListenConfig{Control: lc.Control, KeepAlive: lc.KeepAlive, KeepAliveConfig: lc.KeepAliveConfig}
	if lc.mptcp != 0 {
		nlc.SetMultipathTCP(lc.mptcp > 0)
	}
	return nlc
}

// Listen announces on the local network address, as
// net.ListenConfig.Listen; the listener's Accept is a blocking call.
func (lc *ListenConfig) Listen(ctx context.Context, network, address string) (net.Listener, error) {
	if n := simworld.NetworkOf(); n != nil {
		l, err := n.Listen(network, address)
		if err != nil {
			return nil, err
		}
		return WrapListener(l), nil
	}
	l, err := lc.net().Listen(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return WrapListener(l), nil
}

// ListenPacket announces on the local network address, as
// net.ListenConfig.ListenPacket.
func (lc *ListenConfig) ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	if n := simworld.NetworkOf(); n != nil {
		c, err := n.ListenPacket(network, address)
		if err != nil {
			return nil, err
		}
		return WrapPacketConn(c), nil
	}
	c, err := lc.net().ListenPacket(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return WrapPacketConn(c), nil
}

// MultipathTCP reports whether MPTCP will be used; see
// net.ListenConfig.MultipathTCP.
func (lc *ListenConfig) MultipathTCP() bool { return lc.net().MultipathTCP() }

// SetMultipathTCP directs the Listen method to use, or not use, MPTCP, if
// supported by the operating system.
func (lc *ListenConfig) SetMultipathTCP(use bool) {
	if use {
		lc.mptcp = 1
	} else {
		lc.mptcp = -1
	}
}

// Listen announces on the local network address, as net.Listen. The
// listener's Accept is a blocking call of the coop scheduler that a kill
// interrupts without closing the listener, and the conns it returns are
// netx's.
func Listen(network, address string) (net.Listener, error) {
	var lc ListenConfig
	return lc.Listen(context.Background(), network, address)
}

// ListenPacket announces on the local network address, as
// net.ListenPacket; the packet conn's reads and writes are blocking calls.
func ListenPacket(network, address string) (net.PacketConn, error) {
	var lc ListenConfig
	return lc.ListenPacket(context.Background(), network, address)
}

// ListenTCP acts like Listen for TCP networks, as net.ListenTCP.
func ListenTCP(network string, laddr *net.TCPAddr) (*TCPListener, error) {
	l, err := net.ListenTCP(network, laddr)
	if err != nil {
		return nil, err
	}
	return newTCPListener(l), nil
}

// ListenUnix acts like Listen for Unix networks, as net.ListenUnix.
func ListenUnix(network string, laddr *net.UnixAddr) (*UnixListener, error) {
	l, err := net.ListenUnix(network, laddr)
	if err != nil {
		return nil, err
	}
	return newUnixListener(l), nil
}

// ListenUDP acts like ListenPacket for UDP networks, as net.ListenUDP.
func ListenUDP(network string, laddr *net.UDPAddr) (*UDPConn, error) {
	c, err := net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return newUDPConn(c), nil
}

// ListenMulticastUDP acts like ListenPacket for UDP networks but takes a
// group address on a specific network interface, as
// net.ListenMulticastUDP.
func ListenMulticastUDP(network string, ifi *net.Interface, gaddr *net.UDPAddr) (*UDPConn, error) {
	c, err := net.ListenMulticastUDP(network, ifi, gaddr)
	if err != nil {
		return nil, err
	}
	return newUDPConn(c), nil
}

// ListenUnixgram acts like ListenPacket for Unix networks, as
// net.ListenUnixgram.
func ListenUnixgram(network string, laddr *net.UnixAddr) (*UnixConn, error) {
	c, err := net.ListenUnixgram(network, laddr)
	if err != nil {
		return nil, err
	}
	return newUnixConn(c), nil
}

// ListenIP acts like ListenPacket for IP networks, as net.ListenIP.
func ListenIP(network string, laddr *net.IPAddr) (*IPConn, error) {
	c, err := net.ListenIP(network, laddr)
	if err != nil {
		return nil, err
	}
	return newIPConn(c), nil
}

// Pipe creates a synchronous, in-memory, full duplex network connection,
// as net.Pipe, whose reads and writes are blocking calls.
func Pipe() (net.Conn, net.Conn) {
	a, b := net.Pipe()
	return Wrap(a), Wrap(b)
}

// FileConn returns a copy of the network connection corresponding to the
// open file f, as net.FileConn, wrapped.
func FileConn(f *os.File) (c net.Conn, err error) {
	c, err = net.FileConn(f)
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}

// FileListener returns a copy of the network listener corresponding to
// the open file f, as net.FileListener, wrapped.
func FileListener(f *os.File) (ln net.Listener, err error) {
	ln, err = net.FileListener(f)
	if err != nil {
		return nil, err
	}
	return WrapListener(ln), nil
}

// FilePacketConn returns a copy of the packet network connection
// corresponding to the open file f, as net.FilePacketConn, wrapped.
func FilePacketConn(f *os.File) (c net.PacketConn, err error) {
	c, err = net.FilePacketConn(f)
	if err != nil {
		return nil, err
	}
	return WrapPacketConn(c), nil
}
