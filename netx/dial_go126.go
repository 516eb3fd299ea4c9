//go:build go1.26

package netx

import (
	"context"
	"net"
	"net/netip"
)

// DialTCP acts like Dial for TCP networks using the provided context; see
// net.Dialer.DialTCP.
func (d *Dialer) DialTCP(ctx context.Context, network string, laddr netip.AddrPort, raddr netip.AddrPort) (*TCPConn, error) {
	var c *net.TCPConn
	err := runDial(ctx, network, raddr.String(), func(ctx context.Context) (err error) {
		c, err = d.net().DialTCP(ctx, network, laddr, raddr)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newTCPConn(c), nil
}

// DialUDP acts like Dial for UDP networks using the provided context; see
// net.Dialer.DialUDP.
func (d *Dialer) DialUDP(ctx context.Context, network string, laddr netip.AddrPort, raddr netip.AddrPort) (*UDPConn, error) {
	var c *net.UDPConn
	err := runDial(ctx, network, raddr.String(), func(ctx context.Context) (err error) {
		c, err = d.net().DialUDP(ctx, network, laddr, raddr)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newUDPConn(c), nil
}

// DialIP acts like Dial for IP networks using the provided context; see
// net.Dialer.DialIP.
func (d *Dialer) DialIP(ctx context.Context, network string, laddr netip.Addr, raddr netip.Addr) (*IPConn, error) {
	var c *net.IPConn
	err := runDial(ctx, network, raddr.String(), func(ctx context.Context) (err error) {
		c, err = d.net().DialIP(ctx, network, laddr, raddr)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newIPConn(c), nil
}

// DialUnix acts like Dial for Unix networks using the provided context;
// see net.Dialer.DialUnix.
func (d *Dialer) DialUnix(ctx context.Context, network string, laddr *net.UnixAddr, raddr *net.UnixAddr) (*UnixConn, error) {
	target := ""
	if raddr != nil {
		target = raddr.String()
	}
	var c *net.UnixConn
	err := runDial(ctx, network, target, func(ctx context.Context) (err error) {
		c, err = d.net().DialUnix(ctx, network, laddr, raddr)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newUnixConn(c), nil
}
