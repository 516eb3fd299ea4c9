package live

import (
	"cmp"
	"net/url"
	"slices"
	"strings"

	"github.com/coop-go/coop/iox"
)

const defaultTargets = 50

// statsReport builds the reply to api/stats: the stats of every kind of
// call, and of the busiest targets that contain the q parameter (any
// case), at most limit of them.
func statsReport(st *iox.Stats, v url.Values) (StatsReport, error) {
	limit, err := intParam(v, "limit", defaultTargets, 1, maxLimit)
	if err != nil {
		return StatsReport{}, err
	}
	rep := StatsReport{Kinds: []CallStats{}, Targets: []CallStats{}}
	if st == nil {
		return rep, nil
	}
	rep.Enabled = true
	kinds := st.Kinds()
	for k := iox.OpKind(1); k <= iox.OpStall; k++ {
		if s, ok := kinds[k]; ok {
			rep.Kinds = append(rep.Kinds, callStats(k.String(), s))
		}
	}
	targets := st.Targets()
	rep.TargetsTotal = len(targets)
	q := strings.ToLower(v.Get("q"))
	type target struct {
		name  string
		calls int64
	}
	kept := make([]target, 0, len(targets))
	for name, s := range targets {
		if contains(name, q) {
			kept = append(kept, target{name, s.Count})
		}
	}
	slices.SortFunc(kept, func(a, b target) int {
		return cmp.Or(cmp.Compare(b.calls, a.calls), strings.Compare(a.name, b.name))
	})
	for _, t := range kept[:min(limit, len(kept))] {
		rep.Targets = append(rep.Targets, callStats(t.name, targets[t.name]))
	}
	return rep, nil
}

func callStats(name string, s iox.OpStats) CallStats {
	c := CallStats{
		Name:      name,
		Calls:     s.Count,
		Errors:    s.Errors,
		Bytes:     s.Bytes,
		P50NS:     int64(s.Latency.Quantile(0.5)),
		P99NS:     int64(s.Latency.Quantile(0.99)),
		MaxNS:     int64(s.Latency.Quantile(1)),
		Histogram: make([]Bucket, len(s.Latency.Buckets)),
	}
	for i, b := range s.Latency.Buckets {
		c.Histogram[i] = Bucket{LeNS: int64(b.Upper), Count: b.Count}
	}
	return c
}
