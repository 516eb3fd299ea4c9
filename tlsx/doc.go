// Package tlsx provides package crypto/tls with its dials, listeners and
// handshakes made through the coop scheduler: swap
//
//	import "crypto/tls"
//
// for
//
//	import tls "github.com/coop-go/coop/tlsx"
//
// and TLS connections are dialed and accepted with netx, so that their
// reads and writes, the handshake's among them, are blocking calls of the
// calling task, as gevent's patched ssl module makes them cooperative: a
// kill or an expired timeout scope ends them, and in Cooperative mode they
// give the turn up while they wait.
//
// # Names
//
// Every exported name of crypto/tls exists in tlsx. Conn, Config,
// Certificate, ConnectionState and the other types are aliases of
// crypto/tls's own, so a package that swapped its import and one that did
// not still exchange a *tls.Conn or a *tls.Config. The constants are
// crypto/tls's, and the functions that neither dial nor listen (Client,
// Server, X509KeyPair, LoadX509KeyPair, CipherSuites...) forward to it.
// What dials or listens is tlsx's own, with crypto/tls's names and
// semantics:
//
//   - Dial, DialWithDialer and Dialer dial with netx: DialWithDialer takes
//     a *netx.Dialer and Dialer's NetDialer is a *netx.Dialer, where
//     crypto/tls has a *net.Dialer, so that code written for crypto/tls
//     over package net compiles once both imports are swapped. The dial is
//     a blocking call (see netx.Dialer), and so is the handshake that
//     follows, reported with the server's name.
//   - Listen listens with netx, and NewListener wraps its inner listener
//     with netx.WrapListener: Accept is a blocking call, and the conns it
//     returns are *Conn over netx conns.
//
// # Handshakes
//
// The handshake of Dial, DialWithDialer and Dialer is one blocking call of
// the calling task, of kind iox.OpHandshake with the server's name as target:
// it does not start in a killed task or an expired scope, and a kill or a
// scope that expires while it runs ends it within a blocking call of the
// conn underneath (its context, bound to the call, is cancelled too), with
// an error matching iox.ErrKilled or iox.ErrTimeout.
//
// Conn is crypto/tls's type, so Conn.Handshake, Conn.HandshakeContext and
// the handshake a first Read or Write starts are crypto/tls's methods:
// over a netx conn (what Listen, NewListener, netx.Dial and netx.Wrap
// give) their reads and writes are blocking calls, reported as reads and
// writes, and a kill or a scope ends them as above; over a conn of
// package net they are not blocking calls at all. Wrap below TLS, never
// above: give Client or Server a netx conn, do not wrap a *Conn.
//
// After a read that a timeout scope cut short the Conn is still usable,
// as after package net's own read deadline: the error is temporary
// (net.Error), so crypto/tls keeps the connection's state. A write cut
// short leaves the TLS stream corrupt, as crypto/tls says of a write past
// its deadline; after a kill cuts a read or a write short, the Conn's
// calls in that direction fail from then on.
package tlsx
