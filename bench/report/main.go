// Command report turns benchmark outputs into the comparison table of
// BENCHMARKS.md and a plot of coop's and gevent's figures over raw Go's.
//
//	go run ./bench/report -dir bench/results
//
// It reads, from -dir: go.txt (go test -bench output, several -count
// runs), scale.txt and gevent.txt (lines "name value unit", one per run).
// It prints the table in Markdown, with each figure the median of its
// runs and their range, and writes ratios.svg.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A row compares one piece of work done with raw Go, with coop and with
// gevent. Sources name a figure: "go:Benchmark/sub:unit",
// "scale:name:unit" or "gevent:name:unit"; scale multiplies gevent's
// figure into the row's unit.
type row struct {
	what    string
	unit    string
	lower   bool // lower is better
	raw     string
	coop    []variant
	gevent  string
	scale   float64
	comment string
}

type variant struct {
	label, src string
}

var rows = []row{
	{what: "turn hand-off: two tasks alternating (Yield / sleep(0))", unit: "ns", lower: true,
		raw: "go:BenchmarkHandOff/impl=raw-chan:ns/op", coop: []variant{{"Cooperative Yield", "go:BenchmarkHandOff/impl=yield:ns/op"}},
		gevent: "gevent:switch_sleep0:ns/switch", scale: 1, comment: "raw: unbuffered channel ping-pong"},
	{what: "channel ping-pong, per hand-off", unit: "ns", lower: true,
		raw: "go:BenchmarkChannelHandOff/impl=raw-chan:ns/op", coop: []variant{{"Recv/Send", "go:BenchmarkChannelHandOff/impl=Recv-Send:ns/op"}, {"Queue", "go:BenchmarkChannelHandOff/impl=Queue:ns/op"}},
		gevent: "gevent:switch_channel:ns/switch", scale: 1},
	{what: "event ping-pong (set/wait/clear), per hand-off", unit: "ns", lower: true,
		raw: "go:BenchmarkChannelHandOff/impl=raw-chan:ns/op", coop: []variant{{"Flag", "go:BenchmarkFlagHandOff:ns/op"}},
		gevent: "gevent:switch_event:ns/switch", scale: 1, comment: "raw: channel ping-pong (Go has no Event)"},
	{what: "spawn + join of 100,000, per task", unit: "ns", lower: true,
		raw: "go:BenchmarkSpawnJoin/impl=goroutines:ns/task", coop: []variant{{"Free", "go:BenchmarkSpawnJoin/impl=tasks-Free:ns/task"}, {"Cooperative", "go:BenchmarkSpawnJoin/impl=tasks-Cooperative:ns/task"}},
		gevent: "gevent:spawn_join:us/greenlet", scale: 1000, comment: "raw: goroutines and a WaitGroup"},
	{what: "100,000 blocked in a sleep: peak RSS", unit: "MiB", lower: true,
		raw: "scale:spawnmem/goroutine-timer:MiB_peak_rss", coop: []variant{{"tasks in Sleep", "scale:spawnmem/task-Sleep:MiB_peak_rss"}},
		gevent: "gevent:spawn_mem_peak_rss:MiB", scale: 1, comment: "raw: goroutines in a cancellable timer"},
	{what: "100,000 timers of 100 ms: wall time", unit: "s", lower: true,
		raw: "scale:timers/goroutines:s_wall", coop: []variant{{"Free", "scale:timers/tasks-Free:s_wall"}, {"Cooperative", "scale:timers/tasks-Cooperative:s_wall"}},
		gevent: "gevent:sleep_timers:s_wall", scale: 1},
	{what: "echo, 1,000 clients × 100 × 64 B, in one process", unit: "rt/s", lower: false,
		raw: "go:BenchmarkEchoMany/impl=net:rt/s", coop: []variant{{"Free", "go:BenchmarkEchoMany/impl=netx-free:rt/s"}, {"Cooperative", "go:BenchmarkEchoMany/impl=netx-cooperative:rt/s"}},
		gevent: "gevent:echo_inproc:rt/s", scale: 1},
	{what: "echo round trip, 64 B, one connection", unit: "µs", lower: true,
		raw: "go:BenchmarkEcho64/impl=net:ns/op", coop: []variant{{"task", "go:BenchmarkEcho64/impl=netx-task:ns/op"}, {"task, stats on", "go:BenchmarkEcho64/impl=netx-task-stats:ns/op"}},
		scale: 0.001},
	{what: "bulk: 1 GiB in 64 KiB writes over one connection", unit: "MB/s", lower: false,
		raw: "go:BenchmarkBulk/impl=net:MB/s", coop: []variant{{"tasks", "go:BenchmarkBulk/impl=netx:MB/s"}},
		gevent: "gevent:bulk_inproc:MB/s", scale: 1},
	{what: "relay: io.Copy of 1 GiB between two connections", unit: "MB/s", lower: false,
		raw: "go:BenchmarkRelay/impl=net:MB/s", coop: []variant{{"task (splice kept)", "go:BenchmarkRelay/impl=netx:MB/s"}}, scale: 1},
	{what: "HTTP: 100 clients × 100 GETs, new connection each", unit: "req/s", lower: false,
		raw: "scale:http/net-http/nokeepalive:req/s", coop: []variant{{"tasks", "scale:http/httpx-task/nokeepalive:req/s"}},
		gevent: "gevent:http_2proc:req/s", scale: 1, comment: "server in its own process"},
	{what: "HTTP: the same with keep-alive", unit: "req/s", lower: false,
		raw: "scale:http/net-http/keepalive:req/s", coop: []variant{{"tasks", "scale:http/httpx-task/keepalive:req/s"}}, scale: 1},
	{what: "seed crawl pattern: of 10,000 GETs, finished in a 2 s join", unit: "requests", lower: false,
		raw: "scale:http/net-http/nokeepalive/join2s:finished_of", coop: []variant{{"tasks + JoinAll", "scale:http/httpx-task/nokeepalive/join2s:finished_of"}},
		gevent: "gevent:http_2proc_timeout2:completed", scale: 1},
	{what: "idle connections, 10,000 in one process: RSS per conn", unit: "B", lower: true,
		raw: "scale:idle/net/10000-conns/1-procs:RSS-B/conn", coop: []variant{{"tasks in Read", "scale:idle/netx-task/10000-conns/1-procs:RSS-B/conn"}}, scale: 1},
	{what: "idle connections, 100,000 over 10 processes: RSS per conn", unit: "B", lower: true,
		raw: "scale:idle/net/100000-conns/10-procs:RSS-B/conn", coop: []variant{{"tasks in Read", "scale:idle/netx-task/100000-conns/10-procs:RSS-B/conn"}}, scale: 1},
}

func main() {
	dir := flag.String("dir", "bench/results", "where the outputs are")
	svg := flag.String("svg", "", "where to write the plot (default: ratios.svg in -dir)")
	flag.Parse()
	figs, err := load(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	table(os.Stdout, figs)
	if *svg == "" {
		*svg = filepath.Join(*dir, "ratios.svg")
	}
	f, err := os.Create(*svg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	plot(f, figs)
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// figures holds every run of every figure, by source.
type figures map[string][]float64

func load(dir string) (figures, error) {
	figs := figures{}
	for _, name := range []string{"go.txt", "scale.txt", "gevent.txt"} {
		f, err := os.Open(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if name == "go.txt" {
			parseGo(f, figs)
		} else {
			parseLines(f, strings.TrimSuffix(name, ".txt"), figs)
		}
		f.Close()
	}
	return figs, nil
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// parseGo reads go test -bench output: a name, the iteration count, then
// value-unit pairs.
func parseGo(r io.Reader, figs figures) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				key := "go:" + name + ":" + f[i+1]
				figs[key] = append(figs[key], v)
			}
		}
	}
}

// parseLines reads "name value unit ..." lines, whose further figures
// come as "value unit" or as "unit value" (gevent's "completed 4436").
func parseLines(r io.Reader, prefix string, figs figures) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		add := func(unit, value string) {
			v, _ := strconv.ParseFloat(value, 64)
			key := prefix + ":" + f[0] + ":" + unit
			figs[key] = append(figs[key], v)
		}
		for i := 1; i+1 < len(f); {
			switch {
			case isNum(f[i]) && !isNum(f[i+1]):
				add(f[i+1], f[i])
				i += 2
			case !isNum(f[i]) && isNum(f[i+1]):
				add(f[i], f[i+1])
				i += 2
			default:
				i++
			}
		}
	}
}

func isNum(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// stat is the median of a figure's runs and their range.
type stat struct {
	med, min, max float64
	n             int
}

func (figs figures) stat(src string, scale float64) (stat, bool) {
	vs := figs[src]
	if len(vs) == 0 {
		return stat{}, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{med * scale, s[0] * scale, s[len(s)-1] * scale, len(s)}, true
}

func (s stat) String() string {
	if s.n == 1 || s.min == s.max {
		return num(s.med)
	}
	return fmt.Sprintf("%s (%s–%s)", num(s.med), num(s.min), num(s.max))
}

func num(v float64) string {
	switch {
	case v >= 10000:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// cost is how much worse than raw a figure is: above 1 is worse, for
// figures where lower is better and for those where higher is.
func (r row) cost(raw, x float64) float64 {
	if r.lower {
		return x / raw
	}
	return raw / x
}

func table(w io.Writer, figs figures) {
	fmt.Fprintln(w, "| work | unit | raw Go | coop | gevent | coop ÷ raw | gevent ÷ raw |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range rows {
		raw, okRaw := figs.stat(r.raw, scaleOf(r, r.raw))
		var coops, ratios []string
		for _, v := range r.coop {
			s, ok := figs.stat(v.src, scaleOf(r, v.src))
			if !ok {
				coops = append(coops, v.label+": –")
				continue
			}
			coops = append(coops, v.label+": "+s.String())
			if okRaw {
				ratios = append(ratios, fmt.Sprintf("%.2f×", s.med/raw.med))
			}
		}
		gev, gratio := "–", "–"
		if r.gevent != "" {
			if s, ok := figs.stat(r.gevent, r.scale); ok {
				gev = s.String()
				if okRaw {
					gratio = fmt.Sprintf("%.2f×", s.med/raw.med)
				}
			}
		}
		rawS := "–"
		if okRaw {
			rawS = raw.String()
		}
		what := r.what
		if r.comment != "" {
			what += " (" + r.comment + ")"
		}
		dir := "lower is better"
		if !r.lower {
			dir = "higher is better"
		}
		fmt.Fprintf(w, "| %s | %s, %s | %s | %s | %s | %s | %s |\n", what, r.unit, dir, rawS, strings.Join(coops, "<br>"), gev, strings.Join(ratios, "<br>"), gratio)
	}
}

// scaleOf returns the factor that turns a source's figure into the row's
// unit: gevent's by the row's scale, Go's ns into µs where the row says.
func scaleOf(r row, src string) float64 {
	if strings.HasPrefix(src, "gevent:") {
		return r.scale
	}
	if strings.HasSuffix(src, ":ns/op") && r.unit == "µs" {
		return 0.001
	}
	return 1
}

// plot draws, for each row, how much worse than raw Go coop's first
// variant and gevent are (log scale, 1 = raw Go).
func plot(w io.Writer, figs figures) {
	const left, barH, gap, width = 430.0, 12.0, 10.0, 420.0
	type bar struct {
		label      string
		coop, gevt float64 // 0: none
	}
	var bars []bar
	for _, r := range rows {
		raw, ok := figs.stat(r.raw, scaleOf(r, r.raw))
		if !ok {
			continue
		}
		b := bar{label: r.what}
		if len(r.coop) > 0 {
			if s, ok := figs.stat(r.coop[0].src, scaleOf(r, r.coop[0].src)); ok {
				b.coop = r.cost(raw.med, s.med)
			}
		}
		if r.gevent != "" {
			if s, ok := figs.stat(r.gevent, r.scale); ok {
				b.gevt = r.cost(raw.med, s.med)
			}
		}
		bars = append(bars, b)
	}
	// Log scale from 0.5× to 100×.
	lo, hi := math.Log10(0.5), math.Log10(100)
	x := func(v float64) float64 {
		v = math.Max(0.5, math.Min(100, v))
		return left + (math.Log10(v)-lo)/(hi-lo)*width
	}
	height := 60 + float64(len(bars))*(2*barH+gap) + 30
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="11">`+"\n", left+width+80, height)
	fmt.Fprintf(w, `<text x="10" y="20" font-size="14" font-weight="bold">How many times worse than raw Go (log scale; 1 = raw Go, left of it = better)</text>`+"\n")
	fmt.Fprintf(w, `<rect x="%.0f" y="30" width="12" height="10" fill="#2b6cb0"/><text x="%.0f" y="39">coop</text>`, left, left+16)
	fmt.Fprintf(w, `<rect x="%.0f" y="30" width="12" height="10" fill="#dd6b20"/><text x="%.0f" y="39">gevent</text>`+"\n", left+70, left+86)
	top := 50.0
	for _, tick := range []float64{0.5, 1, 2, 5, 10, 20, 50, 100} {
		tx := x(tick)
		stroke := "#ddd"
		if tick == 1 {
			stroke = "#333"
		}
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s"/><text x="%.1f" y="%.0f" text-anchor="middle">%g×</text>`+"\n",
			tx, top, tx, height-25, stroke, tx, height-10, tick)
	}
	for i, b := range bars {
		y := top + 5 + float64(i)*(2*barH+gap)
		fmt.Fprintf(w, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y+barH+3, escape(b.label))
		for j, v := range []float64{b.coop, b.gevt} {
			if v == 0 {
				continue
			}
			color := []string{"#2b6cb0", "#dd6b20"}[j]
			by := y + float64(j)*barH
			x0, x1 := x(1), x(v)
			if x1 < x0 {
				x0, x1 = x1, x0
			}
			fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/><text x="%.1f" y="%.1f">%.2f×</text>`+"\n",
				x0, by, math.Max(1, x1-x0), barH-2, color, math.Max(x(v), x(1))+4, by+barH-3, v)
		}
	}
	fmt.Fprintln(w, "</svg>")
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
