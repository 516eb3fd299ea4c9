package fault

import (
	"fmt"
	"strings"
	"time"
)

// A Direction says which bytes of a conn a toxic acts on: those the
// program sends to the remote (Upstream, toxiproxy's "client -> server"),
// those it receives from it (Downstream), or both.
type Direction uint8

const (
	Both       Direction = iota // both ways: the default
	Upstream                    // what the program writes, on its way to the remote
	Downstream                  // what the program reads, on its way from the remote
)

var directionNames = [...]string{Both: "both", Upstream: "upstream", Downstream: "downstream"}

// String returns "both", "upstream" or "downstream": toxiproxy's names
// for a toxic's stream, and "both".
func (d Direction) String() string {
	if int(d) < len(directionNames) {
		return directionNames[d]
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// has reports whether a toxic on direction d acts on direction of.
func (d Direction) has(of Direction) bool { return d == Both || d == of }

// kind is what a toxic does.
type kind uint8

const (
	kindLatency kind = iota + 1
	kindBandwidth
	kindSlowClose
	kindTimeout
	kindReset
	kindSlicer
	kindLimitData
	kindDrop
	kindRefuse
)

// kindNames are toxiproxy's type names, and coop's for the toxics it adds.
var kindNames = [...]string{
	kindLatency:   "latency",
	kindBandwidth: "bandwidth",
	kindSlowClose: "slow_close",
	kindTimeout:   "timeout",
	kindReset:     "reset_peer",
	kindSlicer:    "slicer",
	kindLimitData: "limit_data",
	kindDrop:      "drop",
	kindRefuse:    "refuse",
}

// A Toxic is one fault, toxiproxy's name for it: what it does to a
// conn's bytes (Latency, Bandwidth, SlowClose, Timeout, Reset, Slicer,
// LimitData), to datagrams (Drop) or to dials (Refuse), on which
// direction, and with which probability ("toxicity") it applies to a
// given conn. Make one with its constructor and adjust it with the
// methods that return a changed copy:
//
//	fault.Latency(50*time.Millisecond, 0).Downstream().WithToxicity(0.5)
//
// A Toxic is a value: copying it is safe, and so is using one in many
// goroutines. The zero Toxic is no toxic; Inject panics on it.
type Toxic struct {
	kind     kind
	d1, d2   time.Duration // latency and jitter; delay; timeout; slicer's delay
	n1, n2   int64         // bytes per second; limit; slicer's average and variation
	p        float64       // drop's probability
	dir      Direction
	toxicity float64 // 1 - the probability: the zero value means "always"
	name     string
}

// Latency delays each byte by d ± jitter (uniform in [d-jitter,
// d+jitter], never below zero): toxiproxy's latency. The bytes of a
// stream keep their order, so a byte never overtakes one sent before it;
// datagrams may (jitter reorders them). A stream's end (its close) is
// delayed by d too. It panics if d or jitter is negative.
func Latency(d, jitter time.Duration) Toxic {
	if d < 0 || jitter < 0 {
		panic(fmt.Sprintf("fault: Latency(%v, %v): negative duration", d, jitter))
	}
	return Toxic{kind: kindLatency, d1: d, d2: jitter}
}

// Bandwidth limits the rate to bytesPerSecond: each byte is delivered
// when a link of that rate has carried it (toxiproxy's bandwidth, whose
// rate is in KB/s). A rate of zero or less means no limit.
func Bandwidth(bytesPerSecond int64) Toxic {
	return Toxic{kind: kindBandwidth, n1: bytesPerSecond}
}

// SlowClose delays the end of the stream by d: the other end sees the
// close d after it was made (toxiproxy's slow_close). On a conn's
// upstream, the program's Close returns at once and the remote sees the
// connection close d later; on the downstream, the program reads EOF d
// after the remote closed. It panics if d is negative.
func SlowClose(d time.Duration) Toxic {
	if d < 0 {
		panic(fmt.Sprintf("fault: SlowClose(%v): negative duration", d))
	}
	return Toxic{kind: kindSlowClose, d1: d}
}

// Timeout stops all data from getting through (it is lost, as with
// toxiproxy's timeout) and closes the connection d after the toxic takes
// effect on it; with d zero the connection stays open, stalled, until the
// toxic is removed. It panics if d is negative.
func Timeout(d time.Duration) Toxic {
	if d < 0 {
		panic(fmt.Sprintf("fault: Timeout(%v): negative duration", d))
	}
	return Toxic{kind: kindTimeout, d1: d}
}

// Reset resets the connection (a TCP RST: the peer's next read or write
// fails with ECONNRESET, "connection reset by peer") after the first
// bytes reach the toxic: at once with after zero, else after that long,
// during which bytes are lost (toxiproxy's reset_peer). It panics if
// after is negative.
func Reset(after time.Duration) Toxic {
	if after < 0 {
		panic(fmt.Sprintf("fault: Reset(%v): negative duration", after))
	}
	return Toxic{kind: kindReset, d1: after}
}

// Slicer cuts the stream's bytes into pieces of about avg bytes (avg ±
// jitter), delivered delay apart, so that the other end receives them in
// many small reads (toxiproxy's slicer). It acts on streams only. It
// panics unless avg is positive and 0 <= jitter < avg, and on a negative
// delay.
func Slicer(avg, jitter int, delay time.Duration) Toxic {
	if avg <= 0 || jitter < 0 || jitter >= avg || delay < 0 {
		panic(fmt.Sprintf("fault: Slicer(%d, %d, %v): want avg > 0, 0 <= jitter < avg, delay >= 0", avg, jitter, delay))
	}
	return Toxic{kind: kindSlicer, n1: int64(avg), n2: int64(jitter), d1: delay}
}

// LimitData closes the connection once n bytes have passed the toxic,
// counted from when it takes effect (toxiproxy's limit_data): the other
// end receives exactly n bytes, then EOF. It acts on streams only. It
// panics if n is negative.
func LimitData(n int64) Toxic {
	if n < 0 {
		panic(fmt.Sprintf("fault: LimitData(%d): negative count", n))
	}
	return Toxic{kind: kindLimitData, n1: n}
}

// Drop loses each datagram with probability p; it acts on datagrams only
// (a stream's bytes are never lost by the network, only delayed). It
// panics unless 0 <= p <= 1.
func Drop(p float64) Toxic {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("fault: Drop(%v): want a probability in [0, 1]", p))
	}
	return Toxic{kind: kindDrop, p: p}
}

// Refuse makes dials fail as if nothing listened: a *net.OpError whose Err
// matches syscall.ECONNREFUSED ("connection refused"). Conns already open
// are left alone (toxiproxy's disabled proxy, as a toxic).
func Refuse() Toxic { return Toxic{kind: kindRefuse} }

// Upstream returns a copy of t acting only on what the program sends.
func (t Toxic) Upstream() Toxic { t.dir = Upstream; return t }

// Downstream returns a copy of t acting only on what the program
// receives.
func (t Toxic) Downstream() Toxic { t.dir = Downstream; return t }

// On returns a copy of t acting on direction d.
func (t Toxic) On(d Direction) Toxic {
	if d > Downstream {
		panic(fmt.Sprintf("fault: On(%v): no such direction", d))
	}
	t.dir = d
	return t
}

// WithToxicity returns a copy of t that applies to a conn with probability
// p, decided once per conn and direction when the toxic first meets it
// (toxiproxy's toxicity; 1, always, unless set). In a simulated world the
// draw comes from the world's seed. It panics unless 0 <= p <= 1.
func (t Toxic) WithToxicity(p float64) Toxic {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("fault: WithToxicity(%v): want a probability in [0, 1]", p))
	}
	t.toxicity = 1 - p
	return t
}

// Named returns a copy of t with the given name, by which the control
// handler finds it. The default name is toxiproxy's: the type and the
// direction, as in "latency_downstream".
func (t Toxic) Named(name string) Toxic { t.name = name; return t }

// Type returns toxiproxy's name for what t does ("latency", "bandwidth",
// "slow_close", "timeout", "reset_peer", "slicer", "limit_data"), or
// coop's for the toxics toxiproxy has not ("drop", "refuse"); "" for the
// zero Toxic.
func (t Toxic) Type() string {
	if int(t.kind) < len(kindNames) {
		return kindNames[t.kind]
	}
	return ""
}

// Direction returns the direction t acts on.
func (t Toxic) Direction() Direction { return t.dir }

// Toxicity returns the probability that t applies to a conn.
func (t Toxic) Toxicity() float64 { return 1 - t.toxicity }

// Name returns t's name: the one given to Named, else its type and
// direction ("latency_downstream").
func (t Toxic) Name() string {
	if t.name != "" {
		return t.name
	}
	return t.Type() + "_" + t.dir.String()
}

// String describes t, as in "latency(50ms±5ms) downstream" or
// "bandwidth(1048576 B/s) both 50%".
func (t Toxic) String() string {
	var b strings.Builder
	switch t.kind {
	case kindLatency:
		fmt.Fprintf(&b, "latency(%v", t.d1)
		if t.d2 > 0 {
			fmt.Fprintf(&b, "±%v", t.d2)
		}
		b.WriteString(")")
	case kindBandwidth:
		fmt.Fprintf(&b, "bandwidth(%d B/s)", t.n1)
	case kindSlowClose:
		fmt.Fprintf(&b, "slow_close(%v)", t.d1)
	case kindTimeout:
		fmt.Fprintf(&b, "timeout(%v)", t.d1)
	case kindReset:
		fmt.Fprintf(&b, "reset_peer(%v)", t.d1)
	case kindSlicer:
		fmt.Fprintf(&b, "slicer(%d±%d bytes, %v)", t.n1, t.n2, t.d1)
	case kindLimitData:
		fmt.Fprintf(&b, "limit_data(%d bytes)", t.n1)
	case kindDrop:
		fmt.Fprintf(&b, "drop(%v)", t.p)
	case kindRefuse:
		b.WriteString("refuse")
	default:
		return "no toxic"
	}
	b.WriteString(" " + t.dir.String())
	if t.toxicity != 0 {
		fmt.Fprintf(&b, " %v%%", 100*t.Toxicity())
	}
	return b.String()
}

// forStreams and forDatagrams say what the toxic acts on.
func (t *Toxic) forStreams() bool { return t.kind != kindDrop && t.kind != kindRefuse }

func (t *Toxic) forDatagrams() bool {
	switch t.kind {
	case kindLatency, kindBandwidth, kindTimeout, kindDrop:
		return true
	}
	return false
}
