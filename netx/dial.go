package netx

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/coop-go/coop/internal/simworld"
	"github.com/coop-go/coop/iox"
)

// A Dialer contains options for connecting to an address, as net.Dialer:
// the same fields with the same meaning, and the same methods, whose dials
// are blocking calls of the coop scheduler (kind OpDial, target the
// address). A kill of the calling task or an expired timeout scope cancels
// a dial under way. The conns it returns are netx's (*TCPConn for TCP and
// so on).
//
// The zero value for each field is equivalent to dialing without that
// option. It is safe to call Dialer's methods concurrently.
type Dialer struct {
	// Timeout is the maximum amount of time a dial will wait for a
	// connect to complete; see net.Dialer.Timeout.
	Timeout time.Duration

	// Deadline is the absolute point in time after which dials will fail;
	// see net.Dialer.Deadline.
	Deadline time.Time

	// LocalAddr is the local address to use when dialing an address.
	LocalAddr net.Addr

	// Deprecated: Fast Fallback is enabled by default. To disable, set
	// FallbackDelay to a negative value.
	DualStack bool

	// FallbackDelay specifies the length of time to wait before spawning
	// a RFC 6555 Fast Fallback connection; see net.Dialer.FallbackDelay.
	FallbackDelay time.Duration

	// KeepAlive specifies the interval between keep-alive probes for an
	// active network connection; see net.Dialer.KeepAlive.
	KeepAlive time.Duration

	// KeepAliveConfig specifies the keep-alive probe configuration for an
	// active network connection; see net.Dialer.KeepAliveConfig.
	KeepAliveConfig net.KeepAliveConfig

	// Resolver optionally specifies an alternate resolver to use.
	Resolver *Resolver

	// Cancel is an optional channel whose closure indicates that the dial
	// should be canceled.
	//
	// Deprecated: Use DialContext instead.
	Cancel <-chan struct{}

	// If Control is not nil, it is called after creating the network
	// connection but before actually dialing; see net.Dialer.Control.
	Control func(network, address string, c syscall.RawConn) error

	// If ControlContext is not nil, it is called after creating the
	// network connection but before actually dialing; see
	// net.Dialer.ControlContext.
	ControlContext func(ctx context.Context, network, address string, c syscall.RawConn) error

	mptcp int8 // 0: the default; 1: use MPTCP; -1: do not
}

// net returns the net.Dialer with d's options.
//
// Timeout and Deadline are not passed on: DialContext turns them into the
// context's deadline, on the scheduler's clock.
func (d *Dialer) net() *net.Dialer {
	nd := &net.Dialer{
		LocalAddr:       d.LocalAddr,
		FallbackDelay:   d.FallbackDelay,
		KeepAlive:       d.KeepAlive,
		KeepAliveConfig: d.KeepAliveConfig,
		Resolver:        d.Resolver.net(),
		Control:         d.Control,
		ControlContext:  d.ControlContext,
	}
	//lint:ignore SA1019 the deprecated fields are passed on as they were given
	nd.DualStack, nd.Cancel = d.DualStack, d.Cancel
	if d.mptcp != 0 {
		nd.SetMultipathTCP(d.mptcp > 0)
	}
	return nd
}

// deadline returns the earliest of the dial's Timeout from now, on the
// scheduler's clock, and its Deadline; zero for neither.
func (d *Dialer) deadline() time.Time {
	var dl time.Time
	if d.Timeout > 0 {
		dl = iox.Now().Add(d.Timeout)
	}
	if !d.Deadline.IsZero() && (dl.IsZero() || d.Deadline.Before(dl)) {
		dl = d.Deadline
	}
	return dl
}

// MultipathTCP reports whether MPTCP will be used; see
// net.Dialer.MultipathTCP.
func (d *Dialer) MultipathTCP() bool { return d.net().MultipathTCP() }

// SetMultipathTCP directs the Dial methods to use, or not use, MPTCP, if
// supported by the operating system.
func (d *Dialer) SetMultipathTCP(use bool) {
	if use {
		d.mptcp = 1
	} else {
		d.mptcp = -1
	}
}

// Dial connects to the address on the named network; see Dial.
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialContext connects to the address on the named network using the
// provided context, as net.Dialer.DialContext. The dial is a blocking call
// of the calling task (or of the task ctx carries, on a goroutine that is
// no task): a kill or an expired timeout scope cancels it, and the error
// then matches iox.ErrKilled or iox.ErrTimeout.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if ctx == nil {
		panic("netx: nil context")
	}
	if dl := d.deadline(); !dl.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl)
		defer cancel()
	}
	if n := simworld.NetworkOf(); n != nil {
		return simDial(ctx, n, network, address)
	}
	var c net.Conn
	err := runDial(ctx, network, address, func(ctx context.Context) (err error) {
		c, err = d.net().DialContext(ctx, network, address)
		return err
	})
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}

// WrapDial returns a dial function that runs dial as a blocking call of
// the coop scheduler (kind OpDial, target the address), whose context
// ends when the calling task is killed or its timeout scope expires, and
// wraps the conn it returns (see Wrap). Use it for dialers netx does not
// make (a proxy's, a test's, an http.Transport's DialContext). Wrapping a
// dial that is netx's already (a Dialer's DialContext) is harmless: a call
// made inside another on the same goroutine is reported once, and Wrap
// returns a netx conn as it is.
func WrapDial(dial func(ctx context.Context, network, address string) (net.Conn, error)) func(ctx context.Context, network, address string) (net.Conn, error) {
	if dial == nil {
		panic("netx: WrapDial(nil)")
	}
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		var c net.Conn
		err := runDial(ctx, network, address, func(ctx context.Context) (err error) {
			c, err = dial(ctx, network, address)
			return err
		})
		if err != nil {
			if c != nil {
				c.Close()
			}
			return nil, err
		}
		return Wrap(c), nil
	}
}

// runDial runs f, a dial, through the door.
func runDial(ctx context.Context, network, address string, f func(context.Context) error) error {
	if ctx == nil {
		panic("netx: nil context")
	}
	op, err := iox.Begin(ctx, iox.OpDial, address)
	if err != nil {
		return &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if op == nil {
		if err := refused(network, address); err != nil {
			return err
		}
		return f(ctx)
	}
	if err = refused(network, address); err == nil {
		cctx, cancel := op.Context(ctx)
		err = f(cctx)
		cancel()
	}
	return mapOpError(op.End(0, err), err)
}

// Dial connects to the address on the named network, as net.Dial, as a
// blocking call of the coop scheduler (see Dialer.DialContext). The conn
// it returns is netx's: its reads and writes are blocking calls too.
func Dial(network, address string) (net.Conn, error) {
	var d Dialer
	return d.Dial(network, address)
}

// DialTimeout acts like Dial but takes a timeout, as net.DialTimeout.
func DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	d := Dialer{Timeout: timeout}
	return d.Dial(network, address)
}

var errMissingAddress = errors.New("missing address")

// DialTCP acts like Dial for TCP networks, as net.DialTCP.
func DialTCP(network string, laddr, raddr *net.TCPAddr) (*TCPConn, error) {
	return dialTo[*TCPConn](network, laddr, raddr)
}

// DialUDP acts like Dial for UDP networks, as net.DialUDP.
func DialUDP(network string, laddr, raddr *net.UDPAddr) (*UDPConn, error) {
	return dialTo[*UDPConn](network, laddr, raddr)
}

// DialIP acts like Dial for IP networks, as net.DialIP.
func DialIP(network string, laddr, raddr *net.IPAddr) (*IPConn, error) {
	return dialTo[*IPConn](network, laddr, raddr)
}

// dialTo dials raddr from laddr (either may be nil) and returns the conn
// as the netx type T.
func dialTo[T net.Conn, A interface {
	*net.TCPAddr | *net.UDPAddr | *net.IPAddr
	net.Addr
}](network string, laddr, raddr A) (T, error) {
	var zero T
	if raddr == nil {
		return zero, &net.OpError{Op: "dial", Net: network, Err: errMissingAddress}
	}
	var d Dialer
	if laddr != nil {
		d.LocalAddr = laddr // a typed nil must not reach net.Dialer
	}
	c, err := d.DialContext(context.Background(), network, raddr.String())
	if err != nil {
		return zero, err
	}
	t, ok := c.(T)
	if !ok {
		c.Close()
		return zero, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
	}
	return t, nil
}

// DialUnix acts like Dial for Unix networks, as net.DialUnix.
func DialUnix(network string, laddr, raddr *net.UnixAddr) (*UnixConn, error) {
	var d Dialer
	return d.DialUnix(context.Background(), network, laddr, raddr)
}
