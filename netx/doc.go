// Package netx provides package net with every blocking call made through
// the coop scheduler: swap
//
//	import "net"
//
// for
//
//	import net "github.com/coop-go/coop/netx"
//
// and dials, accepts, reads, writes and lookups become blocking calls of
// the calling task, as gevent's patched socket module makes them
// cooperative. Each is reported (kind, remote address, bytes, error, time),
// fails at once in a killed task or an expired timeout scope, is cut short
// when a kill or a scope lands while it blocks, and in Cooperative mode
// gives the turn up while it waits. Nothing else changes: on a goroutine
// that is no task, outside any scope and with nobody watching, a call goes
// straight to package net.
//
// # Names
//
// Every exported name of package net exists in netx. Types that carry no
// blocking method are aliases (Conn, Listener, PacketConn, Addr, IP,
// TCPAddr, OpError...), and functions that do not block forward to package
// net. Everything that blocks is netx's own, with package net's names,
// signatures and semantics: Dial, DialTimeout, DialTCP, DialUDP, DialUnix,
// DialIP, Dialer, Listen, ListenPacket, ListenConfig, ListenTCP and its
// kin, the Lookup functions, Resolver, Resolve*Addr, Pipe, the File*
// functions, and the TCPConn, UDPConn, UnixConn, IPConn, TCPListener and
// UnixListener types with every method of the originals. The conns a netx
// listener accepts and a netx dial returns are netx's: a TCP dial returns
// a *netx.TCPConn.
//
// # Deadlines, scopes and kills
//
// SetDeadline, SetReadDeadline and SetWriteDeadline keep package net's
// semantics exactly. A timeout scope (iox.Timeout) around a call moves the
// real deadline to the scope's if that is earlier, and a kill moves it
// into the past; either way the user's deadline is put back when the call
// returns, and nothing the call read or wrote is lost: a Read or Write cut
// short returns the bytes it moved with the error. The error is a
// *net.OpError whose Err matches iox.ErrKilled (and the kill's reason) or
// iox.ErrTimeout (a net.Error with Timeout() true that also matches
// os.ErrDeadlineExceeded); a user deadline still gives package net's own
// os.ErrDeadlineExceeded. A call with nothing in force touches no
// deadline.
//
// # Fast paths
//
// TCPConn keeps io.ReaderFrom and io.WriterTo: io.Copy between two netx
// TCP conns still splices in the kernel (netx hands package net the
// *net.TCPConn underneath), and io.Copy from an *os.File still uses
// sendfile. Such a copy is one blocking call, interrupted on both sides.
//
// # TLS
//
// crypto/tls over netx conns needs nothing special: wrap the TCP conn (or
// dial it with netx), then tls.Client or tls.Server on top; the handshake's
// reads and writes are blocking calls, so a kill or a scope ends it.
// Always wrap below TLS, never above: Wrap of a *tls.Conn would move
// deadlines that TLS records do not honour mid-record.
//
// # Where netx cannot mirror net exactly
//
// A netx type that replaces one of package net's (Dialer, Resolver,
// ListenConfig, TCPConn, UDPConn, UnixConn, IPConn, TCPListener,
// UnixListener) is a type of its own, so it cannot go where a standard
// API wants package net's. These are all the places, as of Go 1.26 (its
// api files and a search of the standard library's sources for type
// assertions on net's concrete types), with what to do:
//
//   - crypto/tls.DialWithDialer takes a *net.Dialer, and tls.Dialer's
//     NetDialer is one: code that passes its swapped *net.Dialer there
//     (go-redis's NewDialer and sentinel dialing do) does not compile.
//     Swap crypto/tls too, for github.com/coop-go/coop/tlsx, whose
//     DialWithDialer and Dialer take a *netx.Dialer; or dial with netx and
//     give the conn to tls.Client. These are the only standard APIs whose
//     signatures name a type netx replaces.
//   - A package still importing "net" that type-asserts conn.(*net.TCPConn)
//     (or UDPConn, UnixConn, IPConn, TCPListener, UnixListener) on a conn
//     netx made fails the assertion; code that swapped its import asserts
//     netx's types and works. Unwrap returns the net conn underneath, for
//     code that needs it. No package of the standard library asserts
//     these types on a conn it is given, but package net itself.
//   - Package net's own fast paths look for its concrete types: netx hands
//     them the conn underneath (splice and sendfile through ReadFrom and
//     WriteTo, see above), except net.Buffers, written to a netx conn with
//     one Write per buffer (each a blocking call) rather than one writev.
//   - *os.File's WriteTo reaches the socket through SyscallConn: io.Copy
//     from a file to a netx TCP or Unix conn (which io.Copy hands to the
//     file's WriteTo first) sends the file with sendfile on the socket
//     itself, not as a blocking call: it is not reported, and a kill or a
//     scope does not cut it short. Call the conn's ReadFrom(file) to copy
//     as one blocking call.
//
// Beyond those:
//
//   - Forwarded variables are copies taken at program start (the Err*
//     values are the same errors, so errors.Is works). DefaultResolver is
//     netx's own *Resolver.
//   - Listen and ListenPacket are not blocking calls (binding does not
//     block); the listener's Accept is.
//   - A conn or listener of a type netx does not know (Wrap, WrapListener)
//     can be interrupted by a kill only if it has deadlines.
//   - The zero values (var c netx.TCPConn) behave as package net's: their
//     methods return syscall.EINVAL, and a listener's Addr panics, as
//     net's do; a nil *netx.TCPConn panics, as a nil *net.TCPConn does.
//
// What coop does not cover, and the fix for each case: [github.com/coop-go/coop].
package netx
