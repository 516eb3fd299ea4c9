// Package fault provides toxiproxy's toxics in process: faults applied
// to the real netx conns of a running program, by the remote they talk
// to, and to the conns of a simulated world (package sim), with the same
// model.
package fault
