// Package fault provides toxiproxy's toxics in process: faults applied
// to the real netx conns of a running program, by the remote they talk
// to, and to the conns of a simulated world (package sim), with the same
// model.
//
//	remove := fault.Inject("db.internal:5432", fault.Latency(100*time.Millisecond, 10*time.Millisecond).Downstream())
//	defer remove()
//
// No proxy runs and no address changes: the program's own netx conns
// (those of net.Dial swapped for netx.Dial, of httpx, of a database
// driver dialing through netx) carry the toxics, from their next call,
// and new conns and dials to the target get them too. Handler serves
// the same, as JSON in the style of toxiproxy's API, to change them in a
// running program.
//
// # The toxics, next to toxiproxy's and turmoil's
//
//	toxiproxy (toxic, attributes)          coop
//	latency (latency, jitter)              Latency(d, jitter)
//	bandwidth (rate, KB/s)                 Bandwidth(bytesPerSecond)
//	slow_close (delay)                     SlowClose(d)
//	timeout (timeout; 0: never closes)     Timeout(d)
//	reset_peer (timeout)                   Reset(after)
//	slicer (average_size, size_variation,  Slicer(avg, jitter, delay)
//	        delay)
//	limit_data (bytes)                     LimitData(n)
//	a disabled proxy (enabled: false)      Refuse()
//	-                                      Drop(p), for datagrams
//	stream: upstream, downstream           .Upstream(), .Downstream(); both by default
//	toxicity                               .WithToxicity(p)
//	a proxy (listen, upstream)             a target: "host:port", "host", ":port"
//	the HTTP API                           Handler (toxiproxy's JSON fields and units)
//
//	turmoil (Sim, Builder)                 coop (package sim, World)
//	partition, repair                      World.Partition, World.Heal
//	hold, release                          World.Inject(a, b, Latency(a long d)), then remove:
//	                                         what it held goes at once, in order
//	min/max_message_latency,               World.Inject(a, b, Latency(d, jitter))
//	  set_link_latency
//	fail_rate, repair_rate                 World.Inject(a, b, Drop(p)) for datagrams; Reset, Timeout for streams
//	crash, bounce                          World.Crash, a host's restart
//	tcp_capacity, udp_capacity             Bandwidth; sim's per-conn buffer
//
// What coop adds to toxiproxy: no proxy process and no changed address
// (the toxics act on the program's own conns, chosen by remote), toxics
// on datagrams (Drop, Latency with jitter reordering them) and on dials
// (Refuse), a direction of "both", each toxic's delay reported as the
// toxic's in the call's event (Effect), calls delayed by a toxic still
// cut short by a kill, a scope or a deadline, and the same model in a
// deterministic simulation, where toxicity and jitter are drawn from the
// world's seed. What it adds to turmoil: toxiproxy's vocabulary of
// stream faults (bandwidth, slicing, slow close, a reset or a close after
// some bytes), by direction, and the same toxics on the real network.
//
// # One model: the engine and its drivers
//
// A Link is the engine: the chain of toxics on one direction of one conn,
// a pure function of the chunks it is given, their send times and a
// random source, which answers with the pieces to deliver and when, or a
// verdict on the stream (see Link for the contract). It owns no
// goroutine and reads no clock. This package drives it for real conns;
// package sim drives it from its simulated links, on the world's virtual
// clock and seeded source, so that a toxic means the same in both.
//
// # Real conns
//
// Inject puts its toxics where netx's conns find them with one atomic
// load (internal/faultnet): with no toxic injected, that load is all the
// toxics cost a call, and a conn whose remote no toxic matches pays two
// more atomic loads and a compare per call (it asks again only when the
// toxics change). A conn a toxic matches reads and writes through a
// stream that drives its two Links:
//
//   - Downstream (what the program reads): the stream reads the socket,
//     stamps each chunk with its arrival time on the scheduler's clock,
//     and hands it to the downstream Link; Read returns the pieces when
//     they are due, waiting for them as part of the call, so that a
//     deadline, a kill or a scope ends the wait at once. It holds up to
//     4 MiB it has read and not delivered, then stops reading the socket
//     (the kernel's window then holds the sender back, as a slow link
//     does).
//   - Upstream (what the program writes): a Write the toxics delay
//     returns at once, as a write to a socket with room does, and the
//     stream's goroutine writes the pieces at their times, through a
//     second descriptor of the socket (up to 4 MiB held, then Write
//     waits). A conn whose socket cannot be shared waits in Write.
//   - The verdicts: a Timeout stalls the stream (what is sent is lost)
//     and closes it d after it took effect; LimitData lets n bytes
//     through, then closes; a close shuts both directions of the socket
//     (the remote reads EOF, the program's reads EOF and its writes fail
//     with EPIPE). Reset closes the socket with SO_LINGER 0, so that the
//     remote gets a TCP RST, and the program's calls fail with
//     ECONNRESET. Refuse fails the dial with a *net.OpError matching
//     syscall.ECONNREFUSED. Drop loses the datagrams of a connected UDP
//     conn as they arrive (Read) or leave (Write); an unconnected
//     socket's ReadFrom and WriteTo do not go through toxics yet. SlowClose delays the end of the stream: the program's Close
//     returns at once, the remote sees it d later.
//   - Removing a toxic lets what it holds through at once, in order: no
//     byte is lost, duplicated or reordered by an injection or a removal.
//     A stream goes back to the conn's own path only when it holds
//     nothing.
//
// Each read or write a toxic touched reports, in its iox.Event's Detail,
// an Effect: the toxics' names and the delay they added, so that a slow
// call reads as "latency_downstream: +100ms" and not as a slow remote.
// iox's OpKind set is unchanged.
//
// Inject acts on the real network only: a simulated world's conns are
// left alone (World.Inject puts toxics there).
package fault
