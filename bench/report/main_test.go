package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestReport(t *testing.T) {
	figs := figures{}
	parseGo(strings.NewReader(`goos: linux
BenchmarkHandOff/impl=raw-chan-2   	 5000000	       200.0 ns/op	       0 B/op
BenchmarkHandOff/impl=raw-chan-2   	 5000000	       220.0 ns/op	       0 B/op
BenchmarkHandOff/impl=raw-chan-2   	 5000000	       180.0 ns/op	       0 B/op
BenchmarkHandOff/impl=yield-2      	 5000000	       300.0 ns/op
BenchmarkEchoMany/impl=net-2       	       1	1000 ns/op	     60000 rt/s
BenchmarkEchoMany/impl=netx-free-2 	       1	1000 ns/op	     30000 rt/s
`), figs)
	parseLines(strings.NewReader("switch_sleep0 1500.0 ns/switch\necho_inproc 20000 rt/s\nhttp_2proc_timeout2 2220 req/s completed 4436 wall_s 1.998\n"), "gevent", figs)
	if s, ok := figs.stat("gevent:http_2proc_timeout2:completed", 1); !ok || s.med != 4436 {
		t.Fatalf("gevent's word-first figure = %+v, want 4436", s)
	}

	if s, _ := figs.stat("go:BenchmarkHandOff/impl=raw-chan:ns/op", 1); s.med != 200 || s.min != 180 || s.max != 220 {
		t.Fatalf("median and range = %+v, want 200 (180–220)", s)
	}
	var out strings.Builder
	table(&out, figs)
	got := out.String()
	for _, want := range []string{
		"| 200 (180–220) | Cooperative Yield: 300 | 1500 | 1.50× | 7.50× |",
		"| 60000 | Free: 30000<br>Cooperative: – | 20000 | 0.50× | 0.33× |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	var svg strings.Builder
	plot(&svg, figs)
	// Higher-is-better figures plot as cost: half the rate of raw is 2×.
	if !strings.Contains(svg.String(), ">2.00×<") || !strings.Contains(svg.String(), ">7.50×<") {
		t.Errorf("plot lacks the 2.00× and 7.50× bars:\n%s", svg.String())
	}
}
