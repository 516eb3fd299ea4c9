package ioxprom

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"github.com/coop-go/coop/iox"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// busy makes a scheduler named name whose task made three sleeps and a
// call named db.Query that failed, and is now blocked in a receive.
func busy(t *testing.T, name string) *iox.Scheduler {
	t.Helper()
	s := iox.New(iox.WithName(name), iox.WithStats())
	t.Cleanup(func() { s.Close() })
	never := make(chan int)
	tk := s.Go(func(ctx context.Context) error {
		for range 3 {
			iox.Sleep(time.Microsecond)
		}
		iox.Block("db.Query", func() error { return errors.New("db: gone") })
		iox.Recv(never)
		return nil
	})
	for st, _ := s.Snapshot().Task(tk.ID()); st.State != iox.Blocked || st.Op != iox.OpRecv; st, _ = s.Snapshot().Task(tk.ID()) {
		runtime.Gosched()
	}
	return s
}

// gather registers cs in a pedantic registry, which checks what they
// describe and send, and gathers them by metric name.
func gather(t *testing.T, cs ...prometheus.Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// metric returns the metric of family mf with the given label values.
func metric(t *testing.T, mf *dto.MetricFamily, labels map[string]string) *dto.Metric {
	t.Helper()
	if mf == nil {
		t.Fatalf("no such family (want labels %v)", labels)
	}
next:
	for _, m := range mf.GetMetric() {
		for _, lp := range m.GetLabel() {
			if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
				continue next
			}
		}
		return m
	}
	t.Fatalf("%s has no metric with labels %v", mf.GetName(), labels)
	return nil
}

func TestCollector(t *testing.T) {
	s := busy(t, "prom")
	mfs := gather(t, NewCollector(s, &Options{PerTarget: true}))

	for state, want := range map[string]float64{"blocked": 1, "running": 0, "runnable": 0, "holding": 0} {
		if got := metric(t, mfs["coop_tasks"], map[string]string{"scheduler": "prom", "state": state}).GetGauge().GetValue(); got != want {
			t.Errorf("coop_tasks{state=%q} = %v, want %v", state, got, want)
		}
	}
	if got := metric(t, mfs["coop_task_blocked_longest_seconds"], nil).GetGauge().GetValue(); got <= 0 {
		t.Errorf("coop_task_blocked_longest_seconds = %v, want > 0", got)
	}
	h := metric(t, mfs["coop_call_duration_seconds"], map[string]string{"op": "sleep"}).GetHistogram()
	if h.GetSampleCount() != 3 || h.GetSampleSum() <= 0 {
		t.Errorf("sleep histogram: count %d sum %v, want 3 and more than 0", h.GetSampleCount(), h.GetSampleSum())
	}
	var prev uint64
	for i, b := range h.GetBucket() {
		if b.GetCumulativeCount() < prev || b.GetUpperBound() != bounds[i] {
			t.Errorf("bucket %d: le %v count %d after %d", i, b.GetUpperBound(), b.GetCumulativeCount(), prev)
		}
		prev = b.GetCumulativeCount()
	}
	if prev != 3 {
		t.Errorf("the last bound counts %d sleeps of a microsecond, want 3", prev)
	}
	if got := metric(t, mfs["coop_call_errors_total"], map[string]string{"op": "block"}).GetCounter().GetValue(); got != 1 {
		t.Errorf("coop_call_errors_total{op=block} = %v, want 1", got)
	}
	if got := metric(t, mfs["coop_target_call_errors_total"], map[string]string{"target": "db.Query"}).GetCounter().GetValue(); got != 1 {
		t.Errorf("coop_target_call_errors_total{target=db.Query} = %v, want 1", got)
	}
	if got := metric(t, mfs["coop_target_call_duration_seconds"], map[string]string{"target": "db.Query"}).GetHistogram().GetSampleCount(); got != 1 {
		t.Errorf("db.Query's histogram counts %d calls, want 1", got)
	}
}

func TestNoTargetsUnlessAsked(t *testing.T) {
	mfs := gather(t, NewCollector(busy(t, "quiet"), nil))
	for name := range mfs {
		if strings.HasPrefix(name, "coop_target_") {
			t.Errorf("%s exported without PerTarget", name)
		}
	}
	if mfs["coop_call_duration_seconds"] == nil {
		t.Error("no coop_call_duration_seconds")
	}
}

// Two schedulers' collectors share a registry, told apart by their label.
func TestTwoSchedulers(t *testing.T) {
	mfs := gather(t, NewCollector(busy(t, "a"), nil), NewCollector(busy(t, "b"), &Options{Namespace: "app"}))
	if n := len(mfs["coop_tasks"].GetMetric()); n != 4 {
		t.Errorf("coop_tasks has %d series, want 4 (one per state)", n)
	}
	if mfs["app_tasks"] == nil {
		t.Error("no app_tasks for the collector with Namespace app")
	}
	if metric(t, mfs["app_tasks"], map[string]string{"scheduler": "b", "state": "blocked"}).GetGauge().GetValue() != 1 {
		t.Error("app_tasks{scheduler=b,state=blocked} is not 1")
	}
}

func TestLint(t *testing.T) {
	problems, err := testutil.CollectAndLint(NewCollector(busy(t, "lint"), &Options{PerTarget: true}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

func TestHistogram(t *testing.T) {
	count, sum, cum := histogram(iox.Histogram{Buckets: []iox.Bucket{
		{Upper: 1500 * time.Nanosecond, Count: 2},
		{Upper: 3 * time.Millisecond, Count: 4},
		{Upper: 100 * time.Second, Count: 1}, // beyond the last bound: +Inf only
	}})
	if count != 7 {
		t.Errorf("count %d, want 7", count)
	}
	if want := 0.75 * (2*1500e-9 + 4*3e-3 + 100); sum < want*0.999 || sum > want*1.001 {
		t.Errorf("sum %v, want %v", sum, want)
	}
	for le, want := range map[float64]uint64{1e-6: 0, 2e-6: 2, 0.002048: 2, 0.004096: 6, bounds[len(bounds)-1]: 6} {
		if cum[le] != want {
			t.Errorf("cumulative count at %v: %d, want %d", le, cum[le], want)
		}
	}
}

func TestNilScheduler(t *testing.T) {
	defer func() {
		if r := recover(); r != "ioxprom: NewCollector called with a nil scheduler" {
			t.Errorf("NewCollector(nil) panicked with %v", r)
		}
	}()
	NewCollector(nil, nil)
}
