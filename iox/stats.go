package iox

import (
	"cmp"
	"fmt"
	"io"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/coop-go/coop/internal/goid"
)

// Stats counts a scheduler's blocking calls per kind and per target: how
// many, how many failed, how many bytes they moved, and a histogram of how
// long they took. Collecting them takes no lock: each goroutine counts into
// one of several shards, and reading sums the shards. A Stats is safe for
// concurrent use by multiple goroutines.
//
// A nil *Stats, what Scheduler.Stats returns while the scheduler collects
// none, reports no calls.
type Stats struct {
	clock   clock
	start   time.Time
	shards  []statShard
	mask    uint32
	targets sync.Map // targetKey -> *counters: a target's counters per shard, made on first use
	names   sync.Map // string -> struct{}: the targets seen
	ntarget atomic.Int32
}

type targetKey struct {
	name  string
	shard uint32
}

// histBuckets bounds the histogram: bucket i counts calls of [2^(i-1),
// 2^i) ticks; the last bucket holds everything longer.
const histBuckets = 48

// paddedCounters keeps one target's counters in one shard off the cache
// lines of whatever the allocator puts next to them: another shard's
// counters of the same target, counted on another core.
type paddedCounters struct {
	_ [64]byte
	c counters
	_ [64]byte
}

// counters is one op kind in one shard, or one target.
type counters struct {
	hist   [histBuckets]atomic.Int64
	errors atomic.Int64
	bytes  atomic.Int64
}

type statShard struct {
	kinds [numOpKinds]counters
	_     [64]byte // keeps the next shard's hot lines apart
}

// maxTargets bounds the number of targets counted one by one; calls to
// further targets are counted under OtherTargets.
const maxTargets = 10000

// OtherTargets is the target under which Stats counts calls to targets
// beyond the first 10,000.
const OtherTargets = "(other targets)"

func newStats(c clock) *Stats {
	n := 8
	for n < 4*runtime.GOMAXPROCS(0) {
		n *= 2
	}
	return &Stats{clock: c, start: c.Now(), shards: make([]statShard, n), mask: uint32(n - 1)}
}

// WithStats makes the scheduler collect stats from the start, for its
// whole life (see Scheduler.CollectStats).
func WithStats() Option {
	return optionFunc(func(c *config) { c.stats = true })
}

func (st *Stats) add(g *gstate, kind OpKind, target string, ticks int64, n int, err error) {
	var shard uint32
	if g != nil {
		shard = g.shard
	} else {
		shard = uint32(goid.Get())
	}
	c := &st.shards[shard&st.mask].kinds[kind]
	c.count(ticks, n, err)
	if target == "" {
		return
	}
	var tc *counters
	if g != nil && g.lastStats != nil && g.lastTarget == target {
		tc = g.lastStats
	} else {
		tc = st.target(target, shard&st.mask)
		if g != nil {
			g.lastTarget, g.lastStats = target, tc
		}
	}
	tc.count(ticks, n, err)
}

func (c *counters) count(ticks int64, n int, err error) {
	b := 0
	if ticks > 0 {
		b = bits.Len64(uint64(ticks))
		if b >= histBuckets {
			b = histBuckets - 1
		}
	}
	c.hist[b].Add(1)
	if n != 0 {
		c.bytes.Add(int64(n))
	}
	if err != nil && err != io.EOF {
		c.errors.Add(1)
	}
}

// target returns the counters of one target in one shard.
func (st *Stats) target(name string, shard uint32) *counters {
	if v, ok := st.targets.Load(targetKey{name, shard}); ok {
		return v.(*counters)
	}
	if _, known := st.names.Load(name); !known {
		if st.ntarget.Load() >= maxTargets {
			name = OtherTargets
		}
		if _, loaded := st.names.LoadOrStore(name, struct{}{}); !loaded {
			st.ntarget.Add(1)
		}
	}
	v, _ := st.targets.LoadOrStore(targetKey{name, shard}, &new(paddedCounters).c)
	return v.(*counters)
}

// targetStats sums a target's counters over the shards.
func (st *Stats) targetStats(name string) OpStats {
	if st == nil {
		return OpStats{}
	}
	var hist [histBuckets]int64
	var errs, bytes int64
	for i := range st.shards {
		if v, ok := st.targets.Load(targetKey{name, uint32(i)}); ok {
			e, b := v.(*counters).snapshot(&hist)
			errs += e
			bytes += b
		}
	}
	return st.makeStats(&hist, errs, bytes)
}

// OpStats is what Stats knows of one kind of call or one target.
type OpStats struct {
	Count   int64 // calls that ended
	Errors  int64 // calls that returned an error other than io.EOF
	Bytes   int64 // bytes moved
	Latency Histogram
}

// A Histogram counts calls by how long they took, in buckets whose bounds
// double.
type Histogram struct {
	Buckets []Bucket // in increasing order of Upper; empty buckets left out
}

// A Bucket counts the calls that took up to Upper (and longer than the
// previous bucket's Upper).
type Bucket struct {
	Upper time.Duration
	Count int64
}

// Count returns the number of calls in the histogram.
func (h Histogram) Count() int64 {
	var n int64
	for _, b := range h.Buckets {
		n += b.Count
	}
	return n
}

// Quantile returns an upper bound for the q-quantile of the durations
// (Quantile(0.99) is the p99), to the precision of the buckets: at most
// twice the true value. It returns 0 for an empty histogram.
func (h Histogram) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for _, b := range h.Buckets {
		seen += b.Count
		if seen >= rank {
			return b.Upper
		}
	}
	return h.Buckets[len(h.Buckets)-1].Upper
}

func (c *counters) snapshot(into *[histBuckets]int64) (errs, bytes int64) {
	for i := range c.hist {
		into[i] += c.hist[i].Load()
	}
	return c.errors.Load(), c.bytes.Load()
}

func (st *Stats) makeStats(hist *[histBuckets]int64, errs, bytes int64) OpStats {
	s := OpStats{Errors: errs, Bytes: bytes}
	for i, n := range hist {
		if n == 0 {
			continue
		}
		s.Count += n
		s.Latency.Buckets = append(s.Latency.Buckets, Bucket{Upper: st.clock.elapsed(int64(1) << i), Count: n})
	}
	return s
}

// Kind returns the stats of one kind of call.
func (st *Stats) Kind(k OpKind) OpStats {
	if st == nil || k == 0 || k >= numOpKinds {
		return OpStats{}
	}
	var hist [histBuckets]int64
	var errs, bytes int64
	for i := range st.shards {
		e, b := st.shards[i].kinds[k].snapshot(&hist)
		errs += e
		bytes += b
	}
	return st.makeStats(&hist, errs, bytes)
}

// Target returns the stats of the calls made on one target.
func (st *Stats) Target(name string) OpStats {
	if st == nil {
		return OpStats{}
	}
	if _, ok := st.names.Load(name); !ok {
		return OpStats{}
	}
	return st.targetStats(name)
}

// Kinds returns the stats of every kind of call made so far, by kind.
func (st *Stats) Kinds() map[OpKind]OpStats {
	out := map[OpKind]OpStats{}
	for k := OpKind(1); k < numOpKinds; k++ {
		if s := st.Kind(k); s.Count > 0 {
			out[k] = s
		}
	}
	return out
}

// Targets returns the stats of every target called so far, by target.
func (st *Stats) Targets() map[string]OpStats {
	out := map[string]OpStats{}
	if st == nil {
		return out
	}
	st.names.Range(func(k, _ any) bool {
		name := k.(string)
		out[name] = st.targetStats(name)
		return true
	})
	return out
}

// String renders the stats as one table: a line per kind of call, then
// the ten busiest targets, with the same columns. Latencies are the upper
// bounds of histogram buckets whose bounds double, rounded up to the one
// or two digits such a bound can tell.
//
//	calls since 15:04:05 (2.5s)
//	KIND/TARGET      CALLS  ERRORS  BYTES   P50    P99    MAX
//	read               120       0  4.2k    40µs   2ms    3ms
//	10.0.0.3:443        60       0  2.1k    40µs   2ms    3ms
func (st *Stats) String() string {
	if st == nil {
		return "no stats collected (Scheduler.CollectStats or WithStats switches them on)\n"
	}
	var sb strings.Builder
	now := st.clock.Now()
	fmt.Fprintf(&sb, "calls since %s (%s)\n", st.start.Format("15:04:05"), roughDuration(now.Sub(st.start)))
	w := tabwriter.NewWriter(&sb, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KIND/TARGET\tCALLS\tERRORS\tBYTES\tP50\tP99\tMAX")
	row := func(name string, s OpStats) {
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", name, s.Count, s.Errors, byteCount(s.Bytes),
			roughDuration(s.Latency.Quantile(0.5)), roughDuration(s.Latency.Quantile(0.99)), roughDuration(s.Latency.Quantile(1)))
	}
	kinds := st.Kinds()
	for k := OpKind(1); k < numOpKinds; k++ {
		if s, ok := kinds[k]; ok {
			row(k.String(), s)
		}
	}
	targets := st.Targets()
	names := make([]string, 0, len(targets))
	for n := range targets {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(targets[b].Count, targets[a].Count), cmp.Compare(a, b))
	})
	for _, n := range names[:min(10, len(names))] {
		row(n, targets[n])
	}
	w.Flush()
	return sb.String()
}

// roughDuration rounds d up to what a bound that doubles from bucket to
// bucket can tell: two significant digits when the first is 1, one
// otherwise (1.1ms, 17ms, 300ms, 5µs).
func roughDuration(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	unit := time.Duration(1)
	for d/unit >= 100 {
		unit *= 10
	}
	// d/unit is now in [1, 100): keep two digits if it starts with 1.
	if d/unit >= 20 {
		unit *= 10
	}
	r := (d + unit - 1) / unit * unit
	return r.String()
}

func byteCount(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fk", float64(n)/(1<<10))
	}
	return fmt.Sprint(n)
}
