package livetop

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/coop-go/coop/internal/livetest"
	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
	"github.com/coop-go/coop/live"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// screen records what Main draws: each Write is one frame.
type screen struct {
	mu     sync.Mutex
	frames []string
	drawn  chan struct{}
}

func newScreen() *screen { return &screen{drawn: make(chan struct{}, 1)} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.frames = append(s.frames, string(p))
	s.mu.Unlock()
	select {
	case s.drawn <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (s *screen) last() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.frames) == 0 {
		return "", 0
	}
	return s.frames[len(s.frames)-1], len(s.frames)
}

var escapes = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// text is a frame as a terminal shows it: no escape codes, one line per
// line.
func text(frame string) []string {
	return strings.Split(strings.ReplaceAll(escapes.ReplaceAllString(frame, ""), "\r\n", "\n"), "\n")
}

// wait waits until a frame drawn after the first `after` frames passes
// ok, and returns its lines.
func (s *screen) wait(t *testing.T, ctx context.Context, after int, what string, ok func(lines []string) bool) ([]string, int) {
	t.Helper()
	for {
		f, n := s.last()
		if n > after && len(text(f)) > 2 && ok(text(f)) {
			return text(f), n
		}
		select {
		case <-s.drawn:
		case <-ctx.Done():
			t.Fatalf("no frame shows %s; the last:\n%s", what, strings.Join(text(f), "\n"))
		}
	}
}

// taskNames returns the names in the task rows of a frame, in order.
func taskNames(lines []string) []string {
	var names []string
	if len(lines) < 3 {
		return nil
	}
	for _, l := range lines[3:] {
		f := strings.Fields(l)
		if len(f) > 1 && regexp.MustCompile(`^\d+$`).MatchString(f[0]) {
			names = append(names, f[1])
		}
	}
	return names
}

func contains(lines []string, s string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, s) })
}

// Main against a live handler, driven by keys on stdin: the table, sort,
// reverse, filter, scroll, and q.
func TestTop(t *testing.T) {
	t.Setenv("COLUMNS", "200")
	var srv *httptest.Server
	sc := livetest.New(t, 5, func(s *iox.Scheduler) { srv = httptest.NewServer(live.Handler(s)) })
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // fails a hang, never paces the test
	defer cancel()

	scr := newScreen()
	keys, typer := io.Pipe()
	var stderr strings.Builder
	code := make(chan int)
	go func() { code <- Main([]string{"-interval", "1h", srv.URL}, keys, scr, &stderr) }()
	defer typer.Close()
	press := func(k string) int {
		t.Helper()
		_, n := scr.last()
		if _, err := io.WriteString(typer, k); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// The table: every task, with its state, call and target.
	lines, _ := scr.wait(t, ctx, 0, "the 9 tasks", func(l []string) bool { return len(taskNames(l)) == 9 })
	if !strings.HasPrefix(lines[0], "coop top  scene (Free)") || !strings.Contains(lines[0], "9 tasks, 9 blocked") {
		t.Errorf("head %q", lines[0])
	}
	if !strings.Contains(lines[1], "sort: blocked_ns ▼") || !strings.Contains(lines[1], "1-9 of 9") {
		t.Errorf("status %q", lines[1])
	}
	if !strings.Contains(lines[2], "BLOCKED▼") {
		t.Errorf("header %q does not mark the sort column", lines[2])
	}
	want := map[string]string{"reader": "blocked read " + sc.Addr, "sleeper": "blocked sleep ", "receiver": "blocked recv ", "locker": "blocked lock "}
	for _, r := range cells(lines, 200) {
		if w, ok := want[r["name"]]; ok {
			if got := r["state"] + " " + r["op"] + " " + r["target"]; got != w {
				t.Errorf("%s: %q, want %q", r["name"], got, w)
			}
			delete(want, r["name"])
		}
	}
	if len(want) > 0 {
		t.Errorf("rows missing %v:\n%s", want, strings.Join(lines, "\n"))
	}

	// Sort: three columns right of blocked is calls, the most first.
	n := press(">>>")
	lines, _ = scr.wait(t, ctx, n, "the sort by calls", func(l []string) bool { return strings.Contains(l[1], "sort: calls ▼") })
	if got := taskNames(lines)[:3]; !slices.Equal(got, []string{"worker-04", "worker-03", "reader"}) {
		t.Errorf("sorted by calls: %v first, want worker-04 worker-03 reader", got)
	}
	n = press("r")
	lines, _ = scr.wait(t, ctx, n, "the reversed sort", func(l []string) bool { return strings.Contains(l[1], "sort: calls ▲") })
	if got := taskNames(lines)[0]; got != "worker-00" {
		t.Errorf("sorted by calls, the fewest first: %s first, want worker-00", got)
	}
	n = press("\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D") // eight to the left of calls: name
	lines, _ = scr.wait(t, ctx, n, "the sort by name", func(l []string) bool { return strings.Contains(l[1], "sort: name ▲") })
	if got := taskNames(lines)[:4]; !slices.Equal(got, []string{"locker", "reader", "receiver", "sleeper"}) {
		t.Errorf("sorted by name: %v", got)
	}

	// Filter: typed after /, applied by Enter, cancelled by Esc.
	n = press("/op:rec")
	scr.wait(t, ctx, n, "the filter being typed", func(l []string) bool { return strings.Contains(l[1], "filter: op:rec") && contains(l, "Enter apply") })
	n = press("v\r")
	lines, _ = scr.wait(t, ctx, n, "the filtered table", func(l []string) bool { return strings.Contains(l[1], "1-6 of 6 (of 9)") })
	if got := taskNames(lines); !slices.Equal(got, []string{"receiver", "worker-00", "worker-01", "worker-02", "worker-03", "worker-04"}) {
		t.Errorf("filtered on op:recv: %v", got)
	}
	n = press("/xyz\x1b")
	lines, _ = scr.wait(t, ctx, n, "the typing cancelled", func(l []string) bool { return !contains(l, "Enter apply") })
	if !strings.Contains(lines[1], "filter: op:recv ") || strings.Contains(lines[1], "xyz") {
		t.Errorf("status after Esc %q, want the filter op:recv kept", lines[1])
	}
	n = press("/\x7f\x7f\x7f\x7fname")
	scr.wait(t, ctx, n, "the filter edited", func(l []string) bool { return strings.Contains(l[1], "filter: op:name") })
	n = press("\x15calls>x\r")
	scr.wait(t, ctx, n, "the bad filter's error", func(l []string) bool {
		return strings.Contains(l[1], `error: live: filter "calls>x": calls wants a number`)
	})
	n = press("/\x15\r")
	scr.wait(t, ctx, n, "the filter cleared", func(l []string) bool { return strings.Contains(l[1], "1-9 of 9") && !strings.Contains(l[1], "filter:") })

	// Scroll: j moves the first row down one.
	n = press("j")
	lines, _ = scr.wait(t, ctx, n, "the scrolled table", func(l []string) bool { return strings.Contains(l[1], "2-9 of 9") })
	if got := taskNames(lines)[0]; got != "reader" {
		t.Errorf("scrolled by one: %s first, want reader", got)
	}

	press("q")
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("Main returned %d after q, want 0; stderr: %s", c, stderr.String())
		}
	case <-ctx.Done():
		t.Fatal("Main did not return after q")
	}
	if f, _ := scr.last(); f != leaveScreen {
		t.Errorf("last write %q, want the sequence that gives the terminal its screen back", f)
	}
}

func TestOnce(t *testing.T) {
	var srv *httptest.Server
	livetest.New(t, 2, func(s *iox.Scheduler) {
		mux := http.NewServeMux()
		mux.Handle("/debug/coop/", http.StripPrefix("/debug/coop", live.Handler(s)))
		srv = httptest.NewServer(mux)
	})
	t.Cleanup(srv.Close)
	var out, stderr strings.Builder
	if c := Main([]string{"-once", "-sort", "name", "-q", "-name:worker", srv.URL + "/debug/coop/"}, strings.NewReader(""), &out, &stderr); c != 0 {
		t.Fatalf("Main -once = %d, stderr %s", c, stderr.String())
	}
	t.Logf("coop top -once:\n%s", out.String())
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("-once wrote escape codes:\n%q", out.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if got := taskNames(lines); !slices.Equal(got, []string{"locker", "reader", "receiver", "sleeper"}) || len(lines) != 7 {
		t.Errorf("-once printed %v:\n%s", got, out.String())
	}
}

// A task that waits outside coop is listed below the table, with the
// line of its own code that waits.
func TestOnceParked(t *testing.T) {
	var srv *httptest.Server
	sc := livetest.New(t, 0, func(s *iox.Scheduler) {
		mux := http.NewServeMux()
		mux.Handle("/debug/coop/", http.StripPrefix("/debug/coop", live.Handler(s)))
		srv = httptest.NewServer(mux)
	})
	t.Cleanup(srv.Close)
	never := make(chan int)
	defer close(never)
	raw := sc.S.Go(func(ctx context.Context) error {
		<-never
		return nil
	}).SetName("raw recv")
	ioxtest.WaitParked(t, sc.S, raw)
	var out, stderr strings.Builder
	if c := Main([]string{"-once", "-quiet", "0s", srv.URL + "/debug/coop/"}, strings.NewReader(""), &out, &stderr); c != 0 {
		t.Fatalf("Main -once = %d, stderr %s", c, stderr.String())
	}
	t.Logf("coop top -once:\n%s", out.String())
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := fmt.Sprintf("  task %d 'raw recv' in chan receive at ", raw.ID())
	if n := len(lines); n < 2 || lines[n-2] != "outside coop (a kill reaches them at their next coop call): 1" ||
		!strings.HasPrefix(lines[n-1], want) || !strings.Contains(lines[n-1], "livetop_test.go:") {
		t.Errorf("-once printed:\n%s\nwant it to end with the task outside coop, %q...", out.String(), want)
	}
}

func TestArgsAndErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	gone := srv.URL
	srv.Close()
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{nil, 2, "usage: coop top [flags] URL"},
		{[]string{"a", "b"}, 2, "usage: coop top [flags] URL"},
		{[]string{"-bogus", "http://x/"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"localhost:6060"}, 2, `coop top: "localhost:6060" is not an http:// or https:// URL`},
		{[]string{"-interval", "0s", "http://x/"}, 2, "coop top: -interval must be positive, -n and -quiet not negative"},
		{[]string{"-once", gone}, 1, "coop top: Get "},
	} {
		var out, stderr strings.Builder
		if c := Main(tc.args, strings.NewReader(""), &out, &stderr); c != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
			t.Errorf("Main(%q) = %d, stderr %q; want %d and %q", tc.args, c, stderr.String(), tc.code, tc.stderr)
		}
	}
}

// A program that goes away shows as an error on the status line; top
// keeps going, and quits at the end of its input.
func TestServerGone(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	scr := newScreen()
	keys, typer := io.Pipe()
	code := make(chan int)
	go func() { code <- Main([]string{"-interval", "1h", srv.URL}, keys, scr, io.Discard) }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	scr.wait(t, ctx, 0, "the error", func(l []string) bool { return strings.Contains(l[1], "error: Get ") })
	typer.Close()
	if c := <-code; c != 0 {
		t.Errorf("Main at the end of stdin = %d, want 0", c)
	}
}

func TestParseKeys(t *testing.T) {
	got := parseKeys([]byte("q\x1b[A\x1b[B\x1b[C\x1b[D\x1b[5~\x1b[6~\x1b\r\x7f\x03\x15é\x01"))
	want := []rune{'q', keyUp, keyDown, keyRight, keyLeft, keyPageUp, keyPageDown, keyEsc, keyEnter, keyBackspace, keyCtrlC, keyCtrlU, 'é'}
	if !slices.Equal(got, want) {
		t.Errorf("parseKeys = %v, want %v", got, want)
	}
}

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://h:6060/debug/coop":           "http://h:6060/debug/coop/",
		"http://h:6060/debug/coop/":          "http://h:6060/debug/coop/",
		"http://h:6060/debug/coop/api/tasks": "http://h:6060/debug/coop/",
		"http://h:6060":                      "http://h:6060/",
		"https://h/x/?a=1#f":                 "https://h/x/",
	} {
		u, err := baseURL(in)
		if err != nil || u.String() != want {
			t.Errorf("baseURL(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
}

// cells splits the task rows of a frame drawn width columns wide into
// their cells, by column key.
func cells(lines []string, width int) []map[string]string {
	w := (&view{width: width}).widths()
	var rows []map[string]string
	for _, l := range lines[3:] {
		r := []rune(l)
		if len(taskNames([]string{"", "", "", l})) == 0 {
			continue
		}
		row, at := map[string]string{}, 0
		for i, c := range columns {
			if w[i] == 0 {
				continue
			}
			end := min(len(r), at+w[i])
			if at < len(r) {
				row[c.key] = strings.TrimSpace(string(r[at:end]))
			}
			at = end + 1
		}
		rows = append(rows, row)
	}
	return rows
}

// The columns fit the terminal: the least wanted go first.
func TestWidths(t *testing.T) {
	for _, tc := range []struct {
		width   int
		dropped []string
	}{
		{200, nil},
		{140, nil},
		{130, []string{"spawned"}},
		{120, []string{"spawned", "age_ns"}},
		{80, []string{"spawned", "age_ns", "parent", "errors", "busy_ns", "idle_ns", "bytes"}},
	} {
		w := (&view{width: tc.width}).widths()
		var dropped []string
		total := -1
		for _, k := range dropOrder {
			for i, c := range columns {
				if c.key == k && w[i] == 0 {
					dropped = append(dropped, k)
				}
			}
		}
		for i := range columns {
			if w[i] > 0 {
				total += w[i] + 1
			}
		}
		if !slices.Equal(dropped, tc.dropped) || (total > tc.width && tc.width >= 100) || (total < tc.width-3 && tc.width >= 100) {
			t.Errorf("width %d: dropped %v, total %d; want %v dropped", tc.width, dropped, total, tc.dropped)
		}
	}
}

func TestDuration(t *testing.T) {
	for ns, want := range map[int64]string{0: "0", 999: "999ns", 1234: "1.23µs", 598170: "598µs", 1050000: "1.05ms", 12345678901: "12.3s", 83 * 1e9: "1m23s"} {
		if got := duration(ns); got != want {
			t.Errorf("duration(%d) = %s, want %s", ns, got, want)
		}
	}
}
