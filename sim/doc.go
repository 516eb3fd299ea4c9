// Package sim runs unmodified networked Go code in a deterministic
// simulation: a seeded order, virtual time, a simulated network of hosts,
// and replay by seed.
//
// Code that swapped its imports (net → netx, time → iox/timex, net/http →
// httpx) runs in a world as it is:
//
//	func TestCheckout(t *testing.T) {
//		sim.Explore(t, 500, func(w *sim.World) {
//			w.Host("db", serveDB)    // a host of its own, 10.0.0.2
//			w.Host("api", serveAPI)  // 10.0.0.3, dials "db:5432"
//			resp, err := http.Get("http://api/checkout") // from host "main", 10.0.0.1
//			// ...
//		})
//	}
//
// # A world
//
// A world is a Simulated scheduler (iox.Simulated) inside a
// testing/synctest bubble. One goroutine of the world runs at a time, and
// which one runs next is chosen by a PRNG seeded with the seed, among those
// waiting for the turn, once every goroutine of the bubble is blocked
// (synctest.Wait): the choice never depends on the machine's timing. Every
// goroutine that enters the door takes part, tasks or not (net/http's conn
// goroutines are adopted by the goroutine that made them). Task ids, host
// addresses (10.0.0.1, 10.0.0.2, ... in the order hosts start), ephemeral
// ports and every draw of a toxic come from the seed. The same seed and the
// same program give the same Log, byte for byte.
//
// Time is virtual for everything in the bubble: coop's clock, package
// time's, net/http's own timers. It starts at Epoch and stands still
// while the world works; when every goroutine waits, it jumps to the next
// timer. A world that never stops working (a busy loop waiting for a raw
// time.Sleep elsewhere) has its clock moved by a millisecond every hundred
// turns, so that it ends.
//
// A run fails, with its seed, the world's Snapshot, its last events and the
// command that replays it (COOP_SEED=N go test -run '^TestName$'), when a
// task calls t.Error or t.Fatal, a task panics, or the world deadlocks:
// every goroutine waits and no timer is pending.
//
// # The network
//
// Hosts dial and listen by name ("db:5432") or address, over TCP and UDP,
// through netx: a sim conn is a net.Conn whose calls are blocking calls of
// the world, with package net's deadlines and errors (x/net/nettest's
// TestConn passes on them, in and out of a world). World.Crash kills a
// host's tasks and resets its conns; World.Partition stalls the conns
// between two hosts (dials time out, on the virtual clock) until
// World.Heal; World.Inject puts the toxics of package netx/fault between
// two hosts (latency, bandwidth, slicer, timeout, reset, limit_data,
// slow_close, drop, refuse), the engine real conns use too, exact in
// virtual time and deterministic by seed.
//
// The same Network works outside a world, on the machine's clock, as an
// in-memory network for ordinary tests (NewNetwork).
//
// # What a world does not simulate
//
// Goroutines made outside the world, files, processes and system calls
// other than the network; code that imports package net directly (not
// swapped) dials the real network; a sim conn is not a *netx.TCPConn, so
// code that type-asserts one (SetKeepAlive, SetNoDelay) gets the plain
// net.Conn methods only.
package sim
