package fault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// The JSON form of a toxic is toxiproxy's (its API's "toxic fields"), so
// that what a toxiproxy user sends works here:
//
//	{"name": "latency_downstream", "type": "latency", "stream": "downstream",
//	 "toxicity": 1, "attributes": {"latency": 100, "jitter": 10}}
//
// with toxiproxy's attributes and units: latency and jitter (ms),
// bandwidth's rate (KB/s, of 1000 bytes), slow_close's delay (ms),
// timeout's timeout (ms), reset_peer's timeout (ms), slicer's
// average_size and size_variation (bytes) and delay (µs), limit_data's
// bytes; and coop's: drop's probability (0 to 1), refuse (none). A
// number may have a fraction. stream is "upstream", "downstream" or
// coop's "both", and defaults to "downstream", as in toxiproxy;
// toxicity defaults to 1.
type toxicJSON struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Stream     string          `json:"stream"`
	Toxicity   *float64        `json:"toxicity,omitempty"`
	Attributes json.RawMessage `json:"attributes,omitempty"`
}

// attrs are the attributes of every type, in toxiproxy's units.
type attrs struct {
	Latency       *float64 `json:"latency,omitempty"`        // ms
	Jitter        *float64 `json:"jitter,omitempty"`         // ms
	Rate          *float64 `json:"rate,omitempty"`           // KB/s
	Delay         *float64 `json:"delay,omitempty"`          // ms (slow_close), µs (slicer)
	Timeout       *float64 `json:"timeout,omitempty"`        // ms
	AverageSize   *float64 `json:"average_size,omitempty"`   // bytes
	SizeVariation *float64 `json:"size_variation,omitempty"` // bytes
	Bytes         *float64 `json:"bytes,omitempty"`
	Probability   *float64 `json:"probability,omitempty"`
}

// MarshalJSON returns t in toxiproxy's JSON form (see UnmarshalJSON).
func (t Toxic) MarshalJSON() ([]byte, error) {
	if t.kind == 0 {
		return nil, fmt.Errorf("fault: MarshalJSON of the zero Toxic")
	}
	ms := func(d time.Duration) *float64 { v := float64(d) / float64(time.Millisecond); return &v }
	num := func(n int64) *float64 { v := float64(n); return &v }
	var a attrs
	switch t.kind {
	case kindLatency:
		a.Latency, a.Jitter = ms(t.d1), ms(t.d2)
	case kindBandwidth:
		v := float64(t.n1) / 1000
		a.Rate = &v
	case kindSlowClose:
		a.Delay = ms(t.d1)
	case kindTimeout, kindReset:
		a.Timeout = ms(t.d1)
	case kindSlicer:
		us := float64(t.d1) / float64(time.Microsecond)
		a.AverageSize, a.SizeVariation, a.Delay = num(t.n1), num(t.n2), &us
	case kindLimitData:
		a.Bytes = num(t.n1)
	case kindDrop:
		p := t.p
		a.Probability = &p
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	tox := t.Toxicity()
	return json.Marshal(toxicJSON{Name: t.Name(), Type: t.Type(), Stream: t.dir.String(), Toxicity: &tox, Attributes: raw})
}

// UnmarshalJSON sets t from toxiproxy's JSON form of a toxic: its name,
// type, stream, toxicity and attributes, in toxiproxy's units (see the
// package doc). It fails, leaving t as it was, on an unknown type or
// stream, a missing attribute, or a value the constructor would refuse.
func (t *Toxic) UnmarshalJSON(b []byte) error {
	var j toxicJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	n, err := j.toxic()
	if err != nil {
		return err
	}
	*t = n
	return nil
}

func (j *toxicJSON) toxic() (Toxic, error) {
	var a attrs
	if len(j.Attributes) > 0 && !bytes.Equal(j.Attributes, []byte("null")) {
		d := json.NewDecoder(bytes.NewReader(j.Attributes))
		d.DisallowUnknownFields()
		if err := d.Decode(&a); err != nil {
			return Toxic{}, fmt.Errorf("fault: the attributes of a %s toxic: %v", j.Type, err)
		}
	}
	var bad error
	need := func(name string, v *float64) float64 {
		switch {
		case v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0):
			bad = fmt.Errorf("fault: %s toxic: %s must be a number >= 0, not %v", j.Type, name, *v)
		case v != nil:
			return *v
		case bad == nil:
			bad = fmt.Errorf("fault: %s toxic: attribute %q missing", j.Type, name)
		}
		return 0
	}
	opt := func(name string, v *float64) float64 {
		if v == nil {
			return 0
		}
		return need(name, v)
	}
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	var t Toxic
	switch j.Type {
	case "latency":
		t = Toxic{kind: kindLatency, d1: ms(need("latency", a.Latency)), d2: ms(opt("jitter", a.Jitter))}
	case "bandwidth":
		t = Toxic{kind: kindBandwidth, n1: int64(need("rate", a.Rate) * 1000)}
	case "slow_close":
		t = Toxic{kind: kindSlowClose, d1: ms(need("delay", a.Delay))}
	case "timeout":
		t = Toxic{kind: kindTimeout, d1: ms(opt("timeout", a.Timeout))}
	case "reset_peer":
		t = Toxic{kind: kindReset, d1: ms(opt("timeout", a.Timeout))}
	case "slicer":
		avg, vary := need("average_size", a.AverageSize), opt("size_variation", a.SizeVariation)
		delay := time.Duration(opt("delay", a.Delay) * float64(time.Microsecond))
		if bad == nil && (avg < 1 || vary >= avg) {
			bad = fmt.Errorf("fault: slicer toxic: want average_size >= 1 and size_variation < average_size, not %v and %v", avg, vary)
		}
		t = Toxic{kind: kindSlicer, n1: int64(avg), n2: int64(vary), d1: delay}
	case "limit_data":
		t = Toxic{kind: kindLimitData, n1: int64(need("bytes", a.Bytes))}
	case "drop":
		p := need("probability", a.Probability)
		if bad == nil && p > 1 {
			bad = fmt.Errorf("fault: drop toxic: probability must be in [0, 1], not %v", p)
		}
		t = Toxic{kind: kindDrop, p: p}
	case "refuse":
		t = Toxic{kind: kindRefuse}
	case "":
		return Toxic{}, fmt.Errorf("fault: a toxic needs a type")
	default:
		return Toxic{}, fmt.Errorf("fault: no toxic of type %q (want latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data, drop or refuse)", j.Type)
	}
	if bad != nil {
		return Toxic{}, bad
	}
	switch j.Stream {
	case "", "downstream":
		t.dir = Downstream
	case "upstream":
		t.dir = Upstream
	case "both":
		t.dir = Both
	default:
		return Toxic{}, fmt.Errorf("fault: stream %q: want upstream, downstream or both", j.Stream)
	}
	if j.Toxicity != nil {
		if p := *j.Toxicity; !(p >= 0 && p <= 1) {
			return Toxic{}, fmt.Errorf("fault: toxicity %v: want a probability in [0, 1]", p)
		}
		t.toxicity = 1 - *j.Toxicity
	}
	t.name = j.Name
	return t, nil
}
