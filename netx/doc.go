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
//   - A *netx.TCPConn is not a *net.TCPConn (nor UDPConn, UnixConn, IPConn,
//     TCPListener, UnixListener): code that swapped its import type-asserts
//     netx's types and works, but a package still importing "net" that
//     asserts conn.(*net.TCPConn) on a netx conn fails the assertion. Unwrap
//     returns the net conn underneath.
//   - Forwarded variables are copies taken at program start (the Err*
//     values are the same errors, so errors.Is works). DefaultResolver is
//     netx's own *Resolver.
//   - net.Buffers written to a netx conn are written with one Write per
//     buffer (each a blocking call) rather than one writev.
//   - Listen and ListenPacket are not blocking calls (binding does not
//     block); the listener's Accept is.
//   - A conn or listener of a type netx does not know (Wrap, WrapListener)
//     can be interrupted by a kill only if it has deadlines.
//   - Dialer.Timeout and Dialer.Deadline run on the machine's clock, which
//     is the scheduler's clock in Free and Cooperative modes.
//
// What coop does not cover, and the fix for each case: [github.com/coop-go/coop].
package netx
