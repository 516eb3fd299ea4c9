package fault_test

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/coop-go/coop/netx/fault"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

// link returns a stream link of dir with toxics in force from t0.
func link(dir fault.Direction, datagrams bool, seed uint64, toxics ...fault.Toxic) *fault.Link {
	l := fault.NewLink(dir, datagrams, rand.NewPCG(seed, 1))
	var ps []*fault.Toxic
	for i := range toxics {
		ps = append(ps, &toxics[i])
	}
	l.Set(t0, ps)
	return l
}

// times returns the offsets from t0 of the pieces, and their bytes
// joined.
func times(ps []fault.Piece) ([]time.Duration, []byte) {
	var ds []time.Duration
	var all []byte
	for _, p := range ps {
		ds = append(ds, p.At.Sub(t0))
		all = append(all, p.Data...)
	}
	return ds, all
}

func TestLatencyIsExact(t *testing.T) {
	l := link(fault.Downstream, false, 1, fault.Latency(ms(50), 0))
	ps := l.Send(t0, []byte("abc"), nil)
	ps = l.Send(t0.Add(ms(1)), []byte("de"), ps)
	got, data := times(ps)
	if want := []time.Duration{ms(50), ms(51)}; !reflect.DeepEqual(got, want) || string(data) != "abcde" {
		t.Fatalf("Send = %v %q, want %v \"abcde\"", got, data, want)
	}
	if got := l.Close(t0.Add(ms(2))).Sub(t0); got != ms(52) {
		t.Errorf("Close at 2ms is seen at %v, want 52ms", got)
	}
	if v, _ := l.End(); v != fault.Open {
		t.Errorf("End = %v, want open", v)
	}
}

func TestLatencyJitterKeepsStreamOrder(t *testing.T) {
	l := link(fault.Upstream, false, 7, fault.Latency(ms(20), ms(10)))
	var last time.Time
	for i := range 1000 {
		at := t0.Add(time.Duration(i) * time.Millisecond / 10)
		ps := l.Send(at, []byte{byte(i)}, nil)
		if len(ps) != 1 || ps[0].Data[0] != byte(i) {
			t.Fatalf("Send %d = %v", i, ps)
		}
		d := ps[0].At.Sub(at)
		if ps[0].At.Before(last) || d < ms(10) || d > ms(30) && !ps[0].At.Equal(last) {
			t.Fatalf("piece %d at +%v after %v: out of order or outside 20ms±10ms", i, d, last.Sub(t0))
		}
		last = ps[0].At
	}
}

func TestJitterReordersDatagrams(t *testing.T) {
	l := link(fault.Downstream, true, 3, fault.Latency(ms(20), ms(10)))
	reordered := false
	var last time.Time
	for i := range 100 {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		ps := l.Send(at, []byte{byte(i)}, nil)
		if len(ps) != 1 {
			t.Fatalf("datagram %d: %d pieces", i, len(ps))
		}
		if d := ps[0].At.Sub(at); d < ms(10) || d > ms(30) {
			t.Fatalf("datagram %d delayed %v, want 20ms±10ms", i, d)
		}
		reordered = reordered || ps[0].At.Before(last)
		last = ps[0].At
	}
	if !reordered {
		t.Error("100 datagrams 1ms apart with 10ms of jitter kept their order")
	}
}

func TestBandwidthPacesBytes(t *testing.T) {
	l := link(fault.Downstream, false, 1, fault.Bandwidth(1000)) // 10 bytes per 10 ms
	ps := l.Send(t0, bytes.Repeat([]byte("x"), 35), nil)
	got, data := times(ps)
	if want := []time.Duration{ms(10), ms(20), ms(30), ms(35)}; !reflect.DeepEqual(got, want) || len(data) != 35 {
		t.Fatalf("35 bytes at 1000 B/s arrive at %v (%d bytes), want %v", got, len(data), want)
	}
	// The link is busy until 35ms: a byte sent at 20ms waits its turn.
	if ps := l.Send(t0.Add(ms(20)), []byte("y"), nil); ps[0].At.Sub(t0) != ms(36) {
		t.Errorf("a byte sent while the link is busy arrives at %v, want 36ms", ps[0].At.Sub(t0))
	}
	// Idle again: a byte sent at 100ms takes its own millisecond.
	if ps := l.Send(t0.Add(ms(100)), []byte("z"), nil); ps[0].At.Sub(t0) != ms(101) {
		t.Errorf("a byte sent on an idle link arrives at %v, want 101ms", ps[0].At.Sub(t0))
	}
	if got := l.Close(t0.Add(ms(100))).Sub(t0); got != ms(101) {
		t.Errorf("the close goes after the bytes: %v, want 101ms", got)
	}
}

func TestBandwidthRateOverManyBytes(t *testing.T) {
	const rate = 1 << 20
	l := link(fault.Upstream, false, 1, fault.Bandwidth(rate))
	var last time.Time
	chunk := make([]byte, 32<<10)
	for range 320 { // 10 MiB, all sent at t0
		ps := l.Send(t0, chunk, nil)
		last = ps[len(ps)-1].At
	}
	if got := last.Sub(t0); got != 10*time.Second {
		t.Errorf("10 MiB at 1 MiB/s take %v, want exactly 10s", got)
	}
}

func TestSlowCloseDelaysTheEnd(t *testing.T) {
	l := link(fault.Downstream, false, 1, fault.SlowClose(ms(300)))
	if ps := l.Send(t0, []byte("a"), nil); !ps[0].At.Equal(t0) {
		t.Errorf("slow_close delays data by %v", ps[0].At.Sub(t0))
	}
	if got := l.Close(t0.Add(ms(5))).Sub(t0); got != ms(305) {
		t.Errorf("Close at 5ms seen at %v, want 305ms", got)
	}
}

func TestTimeoutStallsThenCloses(t *testing.T) {
	l := link(fault.Downstream, false, 1, fault.Timeout(ms(200)))
	if ps := l.Send(t0.Add(ms(10)), []byte("lost"), nil); len(ps) != 0 {
		t.Errorf("timeout let %d pieces through", len(ps))
	}
	if v, at := l.End(); v != fault.Closed || at.Sub(t0) != ms(200) {
		t.Errorf("End = %v at %v, want closed at 200ms", v, at.Sub(t0))
	}
	never := link(fault.Downstream, false, 1, fault.Timeout(0))
	if v, _ := never.End(); v != fault.Open {
		t.Errorf("Timeout(0): End = %v, want open (stalled for good)", v)
	}
}

func TestResetAfterFirstData(t *testing.T) {
	l := link(fault.Upstream, false, 1, fault.Reset(ms(30)))
	if v, _ := l.End(); v != fault.Open {
		t.Fatalf("End before any data = %v", v)
	}
	if ps := l.Send(t0.Add(ms(5)), []byte("x"), nil); len(ps) != 0 {
		t.Errorf("reset_peer let %d pieces through", len(ps))
	}
	if v, at := l.End(); v != fault.ResetByPeer || at.Sub(t0) != ms(35) {
		t.Errorf("End = %v at %v, want reset at 35ms", v, at.Sub(t0))
	}
}

func TestSlicerCutsIntoPieces(t *testing.T) {
	l := link(fault.Downstream, false, 9, fault.Slicer(10, 4, ms(1)))
	in := []byte("the quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps over the lazy dog")
	ps := l.Send(t0, in, nil)
	got, data := times(ps)
	if !bytes.Equal(data, in) {
		t.Fatalf("sliced bytes %q, want %q", data, in)
	}
	if len(ps) < len(in)/14 {
		t.Fatalf("%d bytes cut into %d pieces, want at least %d", len(in), len(ps), len(in)/14)
	}
	for i, p := range ps {
		if len(p.Data) == 0 || len(p.Data) > 14 {
			t.Errorf("piece %d has %d bytes, want 1 to 14", i, len(p.Data))
		}
		if got[i] != ms(float64(i)) {
			t.Errorf("piece %d at %v, want %dms", i, got[i], i)
		}
	}
}

func TestLimitDataThenClose(t *testing.T) {
	l := link(fault.Upstream, false, 1, fault.LimitData(25))
	_, a := times(l.Send(t0, bytes.Repeat([]byte("a"), 10), nil))
	_, b := times(l.Send(t0.Add(ms(1)), bytes.Repeat([]byte("b"), 20), nil))
	if len(a) != 10 || string(b) != "bbbbbbbbbbbbbbb" {
		t.Fatalf("limit 25 passed %d then %q", len(a), b)
	}
	if v, at := l.End(); v != fault.Closed || at.Sub(t0) != ms(1) {
		t.Errorf("End = %v at %v, want closed at 1ms", v, at.Sub(t0))
	}
	if ps := l.Send(t0.Add(ms(2)), []byte("c"), nil); len(ps) != 0 {
		t.Errorf("after the limit, %d pieces", len(ps))
	}
}

func TestChainOrderMatters(t *testing.T) {
	// The end a limit makes travels with the latency after it.
	l := link(fault.Downstream, false, 1, fault.LimitData(3), fault.Latency(ms(40), 0))
	ps := l.Send(t0, []byte("abcdef"), nil)
	if got, data := times(ps); !reflect.DeepEqual(got, []time.Duration{ms(40)}) || string(data) != "abc" {
		t.Fatalf("Send = %v %q", got, data)
	}
	if v, at := l.End(); v != fault.Closed || at.Sub(t0) != ms(40) {
		t.Errorf("End = %v at %v, want closed at 40ms", v, at.Sub(t0))
	}
}

func TestDropLosesDatagrams(t *testing.T) {
	run := func(seed uint64) (kept int, pattern []bool) {
		l := link(fault.Upstream, true, seed, fault.Drop(0.3))
		for i := range 10000 {
			ps := l.Send(t0.Add(time.Duration(i)), []byte{1}, nil)
			kept += len(ps)
			pattern = append(pattern, len(ps) == 1)
		}
		return kept, pattern
	}
	kept, p1 := run(42)
	if lost := 10000 - kept; lost < 2800 || lost > 3200 {
		t.Errorf("Drop(0.3) lost %d of 10000", lost)
	}
	if _, p2 := run(42); !reflect.DeepEqual(p1, p2) {
		t.Error("the same seed lost different datagrams")
	}
	if _, p3 := run(43); reflect.DeepEqual(p1, p3) {
		t.Error("two seeds lost the same datagrams")
	}
}

func TestTrafficKinds(t *testing.T) {
	// Stream-only toxics leave datagrams alone, and Drop leaves streams.
	dg := link(fault.Downstream, true, 1, fault.Slicer(1, 0, 0), fault.LimitData(0), fault.SlowClose(ms(9)))
	if ps := dg.Send(t0, []byte("datagram"), nil); len(ps) != 1 || !ps[0].At.Equal(t0) || dg.Active() {
		t.Errorf("datagram link: %v, active %v", ps, dg.Active())
	}
	st := link(fault.Downstream, false, 1, fault.Drop(1))
	if ps := st.Send(t0, []byte("stream"), nil); len(ps) != 1 || st.Active() {
		t.Errorf("stream link with Drop: %v, active %v", ps, st.Active())
	}
	// A toxic on the other direction is not in force.
	up := link(fault.Upstream, false, 1, fault.Latency(ms(5), 0).Downstream())
	if ps := up.Send(t0, []byte("x"), nil); !ps[0].At.Equal(t0) || up.Active() {
		t.Errorf("upstream link with a downstream toxic delays by %v", ps[0].At.Sub(t0))
	}
}

func TestSetKeepsState(t *testing.T) {
	limit, lat := fault.LimitData(10), fault.Latency(ms(5), 0)
	l := fault.NewLink(fault.Upstream, false, rand.NewPCG(1, 1))
	l.Set(t0, []*fault.Toxic{&limit})
	l.Send(t0, make([]byte, 6), nil)
	if removed := l.Set(t0.Add(ms(1)), []*fault.Toxic{&limit, &lat}); removed {
		t.Error("adding a toxic reported a removal")
	}
	_, data := times(l.Send(t0.Add(ms(2)), make([]byte, 6), nil))
	if len(data) != 4 {
		t.Errorf("the limit kept across Set passed %d more bytes, want 4", len(data))
	}
	if removed := l.Set(t0.Add(ms(3)), []*fault.Toxic{&limit}); !removed {
		t.Error("removing the latency was not reported")
	}
	// A copy of a toxic is another toxic: its state starts afresh.
	again := limit
	l.Set(t0.Add(ms(4)), []*fault.Toxic{&again})
	if v, _ := l.End(); v != fault.Open {
		t.Errorf("a new limit starts ended: %v", v)
	}
}

func TestToxicity(t *testing.T) {
	chosen := 0
	src := rand.NewPCG(5, 5)
	for range 1000 {
		tx := fault.Latency(ms(1), 0).WithToxicity(0.25)
		l := fault.NewLink(fault.Downstream, false, src)
		l.Set(t0, []*fault.Toxic{&tx})
		if l.Active() {
			chosen++
		}
	}
	if chosen < 200 || chosen > 300 {
		t.Errorf("toxicity 0.25 chose %d links of 1000", chosen)
	}
	// Certain outcomes draw nothing from the source.
	a, b := rand.NewPCG(8, 8), rand.NewPCG(8, 8)
	never, always := fault.Bandwidth(1).WithToxicity(0), fault.Bandwidth(1)
	l := fault.NewLink(fault.Downstream, false, a)
	l.Set(t0, []*fault.Toxic{&never, &always})
	if l.Active() != true || a.Uint64() != b.Uint64() {
		t.Error("toxicity 0 or 1 drew from the source")
	}
}

func TestRefuses(t *testing.T) {
	r, lat := fault.Refuse(), fault.Latency(1, 0)
	src := rand.NewPCG(1, 2)
	if fault.Refuses([]*fault.Toxic{&lat}, src) || !fault.Refuses([]*fault.Toxic{&lat, &r}, src) {
		t.Error("Refuses is wrong about a refuse toxic")
	}
	half, n := fault.Refuse().WithToxicity(0.5), 0
	for range 1000 {
		if fault.Refuses([]*fault.Toxic{&half}, src) {
			n++
		}
	}
	if n < 400 || n > 600 {
		t.Errorf("a refuse of toxicity 0.5 refused %d dials of 1000", n)
	}
}

func TestLinkIsDeterministic(t *testing.T) {
	run := func(seed uint64) []fault.Piece {
		l := link(fault.Downstream, false, seed, fault.Latency(ms(10), ms(5)), fault.Slicer(8, 3, ms(1)), fault.Bandwidth(50000))
		var out []fault.Piece
		for i := range 50 {
			out = l.Send(t0.Add(time.Duration(i)*time.Millisecond), bytes.Repeat([]byte{byte(i)}, 30), out)
		}
		return out
	}
	if a, b := run(11), run(11); !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave different pieces")
	}
	if a, b := run(11), run(12); reflect.DeepEqual(a, b) {
		t.Error("two seeds gave the same pieces")
	}
}

func TestNewLinkPanics(t *testing.T) {
	for _, f := range []func(){
		func() { fault.NewLink(fault.Both, false, rand.NewPCG(1, 1)) },
		func() { fault.NewLink(fault.Upstream, false, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("NewLink did not panic")
				}
			}()
			f()
		}()
	}
}
