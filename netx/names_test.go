package netx

import (
	"net"
	"reflect"
	"testing"

	"github.com/coop-go/coop/internal/apitest"
)

// netx declares every exported name of package net, of the same kind,
// and no other (Wrap, WrapListener, WrapPacketConn, WrapDial,
// PatchResolver, and Server and Serve, gevent's StreamServer, are netx's
// additions).
func TestNamesMatchNet(t *testing.T) {
	apitest.Names(t, "net", ".", "Wrap", "WrapListener", "WrapPacketConn", "WrapDial", "PatchResolver", "Server", "Serve")
}

// The types netx declares itself have every method (and exported field)
// of package net's.
func TestOwnTypesMirrorNet(t *testing.T) {
	for _, p := range []struct{ std, ours reflect.Type }{
		{reflect.TypeFor[*net.TCPConn](), reflect.TypeFor[*TCPConn]()},
		{reflect.TypeFor[*net.UDPConn](), reflect.TypeFor[*UDPConn]()},
		{reflect.TypeFor[*net.UnixConn](), reflect.TypeFor[*UnixConn]()},
		{reflect.TypeFor[*net.IPConn](), reflect.TypeFor[*IPConn]()},
		{reflect.TypeFor[*net.TCPListener](), reflect.TypeFor[*TCPListener]()},
		{reflect.TypeFor[*net.UnixListener](), reflect.TypeFor[*UnixListener]()},
		{reflect.TypeFor[*net.Dialer](), reflect.TypeFor[*Dialer]()},
		{reflect.TypeFor[*net.ListenConfig](), reflect.TypeFor[*ListenConfig]()},
		{reflect.TypeFor[*net.Resolver](), reflect.TypeFor[*Resolver]()},
	} {
		apitest.Methods(t, p.std, p.ours)
	}
}

func TestGeneratedUpToDate(t *testing.T) {
	apitest.Generated(t, "net", ".", "zz_net.go")
}
