package fault

import (
	"fmt"
	"strings"
	"time"
)

// An Effect is what toxics did to one read or write of a real conn: the
// Detail of its iox.Event (Event.Detail is an Effect when toxics touched
// the call), so that a delay a toxic added reads as that toxic's and not
// as a slow remote. An observer type-asserts it:
//
//	if eff, ok := e.Detail.(fault.Effect); ok {
//		log.Printf("%v: %v of it was %v", e.Duration, eff.Delay, eff.Toxics)
//	}
type Effect struct {
	// Toxics are the names of the toxics in force on the call's direction
	// that its toxicity chose for the conn.
	Toxics []string
	// Delay is how long the toxics held the call's bytes back: for a
	// read, from when the bytes it returns arrived to when it returned
	// them; for a write, from the call to when its last byte goes out
	// (the write itself returns at once).
	Delay time.Duration
	// Lost is how many bytes the toxics dropped (a stalled stream's, a
	// lost datagram's).
	Lost int
	// End is how a toxic ended the stream, if it had when the call
	// returned; Open if not.
	End Verdict
}

// String describes the effect, as in "latency_downstream: +50ms".
func (e Effect) String() string {
	var b strings.Builder
	b.WriteString(strings.Join(e.Toxics, ","))
	if b.Len() == 0 {
		b.WriteString("toxics")
	}
	b.WriteString(":")
	if e.Delay > 0 {
		fmt.Fprintf(&b, " +%v", e.Delay.Round(time.Microsecond))
	}
	if e.Lost > 0 {
		fmt.Fprintf(&b, " lost %d bytes", e.Lost)
	}
	if e.End != Open {
		fmt.Fprintf(&b, " %v", e.End)
	}
	return b.String()
}
