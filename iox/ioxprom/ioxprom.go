// Package ioxprom provides a Prometheus collector of a coop scheduler's
// calls and tasks:
//
//	prometheus.MustRegister(ioxprom.NewCollector(s, nil))
//	http.Handle("/metrics", promhttp.Handler())
//
// It exports, each with the constant label scheduler (the scheduler's
// name):
//
//	coop_call_duration_seconds{op}         histogram of the calls that ended, by kind ("read", "dial", ...)
//	coop_call_errors_total{op}             calls that returned an error other than io.EOF
//	coop_call_bytes_total{op}              bytes the calls moved
//	coop_target_call_duration_seconds{target}, coop_target_call_errors_total{target},
//	coop_target_call_bytes_total{target}   the same by target, with Options.PerTarget
//	coop_tasks{state}                      live tasks by state: running, blocked, runnable, holding
//	coop_task_blocked_longest_seconds      how long the task blocked longest has been in its call
//
// The call metrics need the scheduler to collect stats (iox.WithStats).
//
// # Cost
//
// The collector reads the scheduler's lock-free Stats and its Snapshot
// when Prometheus scrapes, and at no other time: a call costs nothing
// more than the stats already cost. Histograms are coop's own, whose
// buckets double; they are exported on fixed bounds (1µs to 64s,
// doubling), each of coop's buckets counted under the first bound not
// below its own, so that series from different processes aggregate.
// coop's stats keep no sum of durations, so _sum is estimated: each call
// at three quarters of its coop bucket's bound, which is within a third
// of the truth.
//
// # Why Prometheus and not OpenTelemetry
//
// coop aggregates as calls end (a histogram per kind of call and per
// target), and a metrics library should read those aggregates at
// collection time rather than record every call a second time:
//
//   - client_golang's Collector interface does exactly that, and
//     MustNewConstHistogram exports a histogram aggregated elsewhere, as
//     its documentation describes for "metrics from other systems".
//   - OpenTelemetry's metrics API has asynchronous (callback) counters and
//     gauges but no asynchronous histogram: the specification's issue
//     open-telemetry/opentelemetry-specification#2713, open since 2022,
//     was raised by the OpenTelemetry Go runtime instrumentation for the
//     same need (exporting runtime/metrics histograms). An OpenTelemetry
//     exporter of coop would have to observe every call on the hot path
//     and feed a synchronous histogram.
//   - OpenTelemetry pipelines are not left out:
//     go.opentelemetry.io/contrib/bridges/prometheus turns a Prometheus
//     Gatherer into an OpenTelemetry metric Producer (OTLP and the rest),
//     so this one collector serves both.
//   - The Prometheus exposition is what Go services already serve on
//     /metrics (Kubernetes' components and etcd use client_golang, whose
//     collectors package exports Go's own runtime metrics).
//
// # A module of its own
//
// The package is a module of its own (github.com/coop-go/coop/iox/ioxprom),
// so that coop's go.mod keeps its few chosen requirements: client_golang
// brings prometheus/common, procfs, protobuf and more, which as
// requirements of coop would join the module graph, and the version
// selection, of every program that uses coop, with or without metrics.
package ioxprom

import (
	"math"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/coop-go/coop/iox"
)

// Options configures the collector NewCollector makes. The zero value
// exports the metrics by kind of call and the task states.
type Options struct {
	// Namespace replaces "coop" as the metrics' prefix.
	Namespace string

	// PerTarget exports the call metrics by target too. A program that
	// calls many hosts makes many series (coop's stats count up to 10,000
	// targets, and the rest under "(other targets)"): turn it on where the
	// targets are few and known.
	PerTarget bool
}

// Bounds are the histograms' upper bounds, in seconds: 1µs to 64s,
// doubling.
var bounds = prometheus.ExponentialBuckets(1e-6, 2, 27)

type collector struct {
	s    *iox.Scheduler
	opts Options

	duration, errors, bytes                   *prometheus.Desc
	targetDuration, targetErrors, targetBytes *prometheus.Desc
	tasks, longest                            *prometheus.Desc
}

// NewCollector returns a collector of scheduler s; nil options are the
// zero Options. Register one collector per scheduler; collectors of
// schedulers with different names can share a registry. NewCollector
// panics if s is nil.
func NewCollector(s *iox.Scheduler, opts *Options) prometheus.Collector {
	if s == nil {
		panic("ioxprom: NewCollector called with a nil scheduler")
	}
	c := &collector{s: s}
	if opts != nil {
		c.opts = *opts
	}
	ns := c.opts.Namespace
	if ns == "" {
		ns = "coop"
	}
	constLabels := prometheus.Labels{"scheduler": s.Name()}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(ns, "", name), help, labels, constLabels)
	}
	c.duration = desc("call_duration_seconds", "How long coop's blocking calls took, by kind of call. The sum is estimated from the buckets.", "op")
	c.errors = desc("call_errors_total", "coop's blocking calls that returned an error other than io.EOF, by kind of call.", "op")
	c.bytes = desc("call_bytes_total", "Bytes moved by coop's blocking calls, by kind of call.", "op")
	c.targetDuration = desc("target_call_duration_seconds", "How long coop's blocking calls took, by target. The sum is estimated from the buckets.", "target")
	c.targetErrors = desc("target_call_errors_total", "coop's blocking calls that returned an error other than io.EOF, by target.", "target")
	c.targetBytes = desc("target_call_bytes_total", "Bytes moved by coop's blocking calls, by target.", "target")
	c.tasks = desc("tasks", "Live tasks of the scheduler, by state.", "state")
	c.longest = desc("task_blocked_longest_seconds", "How long the task blocked longest has been in its blocking call; 0 if none is blocked.")
	return c
}

// Describe sends the descriptions of the metrics.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.duration, c.errors, c.bytes, c.tasks, c.longest} {
		ch <- d
	}
	if c.opts.PerTarget {
		ch <- c.targetDuration
		ch <- c.targetErrors
		ch <- c.targetBytes
	}
}

// Collect reads the scheduler's stats and snapshot and sends the metrics.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	snap := c.s.Snapshot()
	states := map[iox.TaskStatus]int{}
	var longest float64
	for _, t := range snap.Tasks {
		states[t.State]++
		if t.State == iox.Blocked {
			longest = math.Max(longest, t.For.Seconds())
		}
	}
	for _, st := range []struct {
		s    iox.TaskStatus
		name string
	}{{iox.Running, "running"}, {iox.Blocked, "blocked"}, {iox.Runnable, "runnable"}, {iox.Holding, "holding"}} {
		ch <- prometheus.MustNewConstMetric(c.tasks, prometheus.GaugeValue, float64(states[st.s]), st.name)
	}
	ch <- prometheus.MustNewConstMetric(c.longest, prometheus.GaugeValue, longest)

	st := c.s.Stats() // nil while the scheduler collects none
	if st == nil {
		return
	}
	for k, s := range st.Kinds() {
		c.send(ch, c.duration, c.errors, c.bytes, s, k.String())
	}
	if c.opts.PerTarget {
		for name, s := range st.Targets() {
			c.send(ch, c.targetDuration, c.targetErrors, c.targetBytes, s, name)
		}
	}
}

func (c *collector) send(ch chan<- prometheus.Metric, duration, errors, bytes *prometheus.Desc, s iox.OpStats, label string) {
	count, sum, buckets := histogram(s.Latency)
	ch <- prometheus.MustNewConstHistogram(duration, count, sum, buckets, label)
	ch <- prometheus.MustNewConstMetric(errors, prometheus.CounterValue, float64(s.Errors), label)
	ch <- prometheus.MustNewConstMetric(bytes, prometheus.CounterValue, float64(s.Bytes), label)
}

// histogram maps coop's histogram onto the fixed bounds: the cumulative
// count at each bound, the count and the estimated sum.
func histogram(h iox.Histogram) (count uint64, sum float64, cumulative map[float64]uint64) {
	per := make([]uint64, len(bounds))
	for _, b := range h.Buckets {
		upper := b.Upper.Seconds()
		count += uint64(b.Count)
		sum += float64(b.Count) * 0.75 * upper
		for i, le := range bounds {
			if le >= upper {
				per[i] += uint64(b.Count)
				break
			}
		} // a bucket above the last bound counts in +Inf only
	}
	cumulative = make(map[float64]uint64, len(bounds))
	var run uint64
	for i, le := range bounds {
		run += per[i]
		cumulative[le] = run
	}
	return count, sum, cumulative
}
