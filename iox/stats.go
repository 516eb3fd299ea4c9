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
	"github.com/coop-go/coop/internal/tick"
)

// Stats counts a scheduler's blocking calls per kind and per target: how
// many, how many failed, how many bytes they moved, and a histogram of how
// long they took. Collecting them takes no lock: each goroutine counts into
// one of several shards, and reading sums the shards. A Stats is safe for
// concurrent use by multiple goroutines.
type Stats struct {
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

func newStats() *Stats {
	n := 8
	for n < 4*runtime.GOMAXPROCS(0) {
		n *= 2
	}
	return &Stats{start: time.Now(), shards: make([]statShard, n), mask: uint32(n - 1)}
}

// Stats returns the scheduler's stats, and starts collecting them on the
// first call: calls that ended before it are not counted. Collection
// costs a few tens of nanoseconds per call; the Default scheduler's stats
// count the calls of goroutines that are no task.
func (s *Scheduler) Stats() *Stats {
	if st := s.stats.Load(); st != nil {
		return st
	}
	st := newStats()
	if !s.stats.CompareAndSwap(nil, st) {
		return s.stats.Load()
	}
	if s.isDefault {
		inForce.Add(1) // the door must now look at goroutines that are no task
	}
	return st
}

// WithStats makes New start collecting stats at once (see Scheduler.Stats).
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
	var hist [histBuckets]int64
	var errs, bytes int64
	for i := range st.shards {
		if v, ok := st.targets.Load(targetKey{name, uint32(i)}); ok {
			e, b := v.(*counters).snapshot(&hist)
			errs += e
			bytes += b
		}
	}
	return makeStats(&hist, errs, bytes)
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

func makeStats(hist *[histBuckets]int64, errs, bytes int64) OpStats {
	s := OpStats{Errors: errs, Bytes: bytes}
	for i, n := range hist {
		if n == 0 {
			continue
		}
		s.Count += n
		s.Latency.Buckets = append(s.Latency.Buckets, Bucket{Upper: tick.Duration(int64(1) << i), Count: n})
	}
	return s
}

// Kind returns the stats of one kind of call.
func (st *Stats) Kind(k OpKind) OpStats {
	if k == 0 || k >= numOpKinds {
		return OpStats{}
	}
	var hist [histBuckets]int64
	var errs, bytes int64
	for i := range st.shards {
		e, b := st.shards[i].kinds[k].snapshot(&hist)
		errs += e
		bytes += b
	}
	return makeStats(&hist, errs, bytes)
}

// Target returns the stats of the calls made on one target.
func (st *Stats) Target(name string) OpStats {
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
	st.names.Range(func(k, _ any) bool {
		name := k.(string)
		out[name] = st.targetStats(name)
		return true
	})
	return out
}

// String renders the stats as a table: one line per kind of call, then
// the busiest targets.
func (st *Stats) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "calls since %s (%s)\n", st.start.Format("15:04:05"), time.Since(st.start).Round(time.Millisecond))
	w := tabwriter.NewWriter(&sb, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "KIND\tCALLS\tERRORS\tBYTES\tP50\tP99\tMAX\t")
	kinds := st.Kinds()
	for k := OpKind(1); k < numOpKinds; k++ {
		if s, ok := kinds[k]; ok {
			fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", k, s.Count, s.Errors, byteCount(s.Bytes),
				shortDuration(s.Latency.Quantile(0.5)), shortDuration(s.Latency.Quantile(0.99)), shortDuration(s.Latency.Quantile(1)))
		}
	}
	w.Flush()
	targets := st.Targets()
	if len(targets) == 0 {
		return sb.String()
	}
	names := make([]string, 0, len(targets))
	for n := range targets {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(targets[b].Count, targets[a].Count), cmp.Compare(a, b))
	})
	if len(names) > 10 {
		names = names[:10]
	}
	w = tabwriter.NewWriter(&sb, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TARGET\tCALLS\tERRORS\tBYTES\tP50\tP99\t")
	for _, n := range names {
		s := targets[n]
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%s\t\n", n, s.Count, s.Errors, byteCount(s.Bytes),
			shortDuration(s.Latency.Quantile(0.5)), shortDuration(s.Latency.Quantile(0.99)))
	}
	w.Flush()
	return sb.String()
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

// shortDuration rounds d to three significant digits.
func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d >= time.Microsecond:
		return d.Round(10 * time.Nanosecond).String()
	}
	return d.String()
}
