// Package faultnet is where netx's conns meet package fault's driver
// without importing it: fault installs its driver here while toxics are
// in force (or a conn still holds bytes a toxic delayed), and netx asks
// it, on the paths that move bytes, whether a conn has toxics.
//
// # Why the hot path is one atomic load
//
// With nothing installed, Current returns nil after one atomic load, and
// netx goes on as if fault did not exist. With a driver installed, a
// conn's Slot remembers the driver's answer for the generation it was
// given at (Bound): a conn no toxic matches costs two more atomic loads
// and a compare per call, and asks the driver again only when the toxics
// change (Bump). The driver keeps itself installed while any conn holds
// bytes it took from the socket or the program and has not delivered, so
// that no call takes the direct path past them: nothing is lost or
// reordered when the last toxic goes.
package faultnet

import (
	"net"
	"sync/atomic"

	"github.com/coop-go/coop/internal/deadline"
	"github.com/coop-go/coop/iox"
)

// A Driver applies toxics to conns: package fault's.
type Driver interface {
	// Dial returns the error a dial of address on network must fail with
	// (a refused connection), or nil.
	Dial(network, address string) error
	// Bind returns the stream through which c's bytes must go from now
	// on, nil for c's own, and records the answer in c.Slot (see Bound).
	Bind(c *Conn) Stream
}

// A Conn is what netx tells the driver of one of its conns.
type Conn struct {
	Slot        *Slot
	Raw         net.Conn         // the conn netx wraps
	Target      string           // the remote address, as netx reports calls
	Read, Write *deadline.Keeper // the conn's deadlines, kept by netx
}

// A Stream is a conn's bytes as toxics make them. Read and Write run
// inside the conn's blocking call op (nil when nothing is in force), as
// the real call does: under its deadlines (the Keepers), a kill or a
// scope cutting them short through the Keepers or op.Wait. They may be
// called again after a timeout another call caused (deadline.Keeper.Run).
type Stream interface {
	Read(op *iox.Op, b []byte) (int, error)
	Write(op *iox.Op, b []byte) (int, error)
	// Close closes the conn, after what the toxics still hold for the
	// remote.
	Close() error
	// CloseWrite shuts the conn's writing side with shut, after what the
	// toxics still hold for the remote.
	CloseWrite(shut func() error) error
}

type box struct{ d Driver }

var (
	current atomic.Pointer[box]
	gen     atomic.Uint64 // bumped whenever the toxics change
)

// Current returns the driver installed, or nil: one atomic load.
func Current() Driver {
	if b := current.Load(); b != nil {
		return b.d
	}
	return nil
}

// Install makes d the driver (nil: none).
func Install(d Driver) {
	if d == nil {
		current.Store(nil)
		return
	}
	current.Store(&box{d})
}

// Bump starts a new generation: every Slot's answer is stale, and the
// next call of each conn asks the driver again.
func Bump() { gen.Add(1) }

// Gen returns the current generation.
func Gen() uint64 { return gen.Load() }

// A Slot is a netx conn's memory of the driver's answer. The zero Slot
// remembers nothing.
type Slot struct {
	p atomic.Pointer[binding]
}

type binding struct {
	gen uint64
	s   Stream
}

// Bound returns the stream the driver gave for the current generation,
// and whether it gave one for it; a nil stream means the conn's own.
func (s *Slot) Bound() (Stream, bool) {
	b := s.p.Load()
	if b == nil || b.gen != gen.Load() {
		return nil, false
	}
	return b.s, true
}

// Last returns the stream the driver last gave, whatever the generation:
// a conn's Close and CloseWrite go through it.
func (s *Slot) Last() Stream {
	if b := s.p.Load(); b != nil {
		return b.s
	}
	return nil
}

// Set records st as the driver's answer for generation g.
func (s *Slot) Set(g uint64, st Stream) {
	s.p.Store(&binding{gen: g, s: st})
}
