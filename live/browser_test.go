package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/coop-go/coop/internal/livetest"
	"github.com/coop-go/coop/iox"
)

// The environment variables of the browser test.
const (
	// screenshotEnv names a file to save the page's screenshot to, as
	// well as the test's temporary directory; the later screenshots go
	// next to it. The README's, docs/live.png, is live-parked.png of
	//	COOP_LIVE_SCREENSHOT=/tmp/shot/live.png go test -trimpath -run TestBrowser ./live
	// (-trimpath: no path of the machine that took it).
	screenshotEnv = "COOP_LIVE_SCREENSHOT"
	// requireBrowserEnv makes a missing Chromium fail the test instead of
	// skipping it (CI sets it, since it installs Chromium).
	requireBrowserEnv = "COOP_REQUIRE_BROWSER"
)

// findChromium returns the path of a Chromium, or skips the test.
func findChromium(t *testing.T) string {
	t.Helper()
	names := []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "headless_shell"}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("live: no Chromium to drive (looked for %s); install Debian's chromium package (apt-get install -y chromium)", strings.Join(names, ", "))
	if os.Getenv(requireBrowserEnv) != "" {
		t.Fatalf("%s, and %s is set", msg, requireBrowserEnv)
	}
	t.Skip(msg)
	return ""
}

// pageRow is a row of the page's task table, as the page shows it.
type pageRow struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Op     string `json:"op"`
	Target string `json:"target"`
	Calls  string `json:"calls"`
}

const readRows = `[...document.querySelectorAll('#task-rows tr')].map(tr => {
	const c = (k) => tr.querySelector('td[data-col="' + k + '"]').textContent;
	return {id: c('id'), name: c('name'), state: c('state'), op: c('op'), target: c('target'), calls: c('calls')};
})`

// The page in a real headless Chromium, against a scheduler whose tasks
// are blocked in known calls: the table shows their states and targets,
// sorting and filtering work, a task's page shows its calls and its
// stack, and a kill from the page ends the task.
func TestBrowser(t *testing.T) {
	chromium := findChromium(t)

	// The scheduler, with the handler mounted and watched from the start,
	// as when the page is open while the program runs.
	var srv *httptest.Server
	sc := livetest.New(t, 6, func(s *iox.Scheduler) {
		mux := http.NewServeMux()
		mux.Handle("/debug/coop/", http.StripPrefix("/debug/coop", NewHandler(s, &Options{AllowKill: true})))
		srv = httptest.NewServer(mux)
		resp, err := http.Get(srv.URL + "/debug/coop/api/tasks")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	})
	t.Cleanup(srv.Close)
	base := srv.URL + "/debug/coop/"

	// A deadline for the whole test, so that a browser that stops
	// answering fails it rather than hanging it; the waits below are on
	// the page's state, not on time.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var browserOut lockedBuffer
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
		chromedp.CombinedOutput(&browserOut),
	)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	defer func() {
		if out := browserOut.String(); t.Failed() && out != "" {
			t.Logf("browser output:\n%s", out)
		}
	}()

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// until waits until the JavaScript expression is true in the page.
	until := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(time.Minute))); err != nil {
			rows, _ := chromedp.Run(bctx, chromedp.Evaluate[[]pageRow](readRows))
			t.Fatalf("waiting until %s (%s): %v; the table shows %+v", what, expr, err, rows)
		}
	}
	rows := func() []pageRow {
		t.Helper()
		r, err := chromedp.Run(bctx, chromedp.Evaluate[[]pageRow](readRows))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	firstNames := func(rs []pageRow, n int) []string {
		var out []string
		for _, r := range rs[:min(n, len(rs))] {
			out = append(out, r.Name)
		}
		return out
	}

	// The table lists every task with its state, call and target.
	do("open the page", chromedp.Navigate(base))
	until("the table lists the 10 tasks", `document.querySelectorAll('#task-rows tr').length === 10`)
	want := map[string]pageRow{
		"reader":   {State: "blocked", Op: "read", Target: sc.Addr},
		"sleeper":  {State: "blocked", Op: "sleep"},
		"receiver": {State: "blocked", Op: "recv"},
		"locker":   {State: "blocked", Op: "lock"},
	}
	for i := range 6 {
		want[fmt.Sprintf("worker-%02d", i)] = pageRow{State: "blocked", Op: "recv", Calls: fmt.Sprint(i)}
	}
	for _, r := range rows() {
		w, ok := want[r.Name]
		if !ok || r.State != w.State || r.Op != w.Op || r.Target != w.Target || (w.Calls != "" && r.Calls != w.Calls) {
			t.Errorf("row %+v, want %+v", r, w)
		}
		delete(want, r.Name)
	}
	if len(want) > 0 {
		t.Errorf("rows missing: %v", want)
	}
	if text, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#summary"))); !strings.Contains(text, "10 tasks") || !strings.Contains(text, "10 blocked") {
		t.Errorf("summary %q, want 10 tasks, 10 blocked", text)
	}

	// Sorting: a number column sorts the largest first, a second click
	// reverses it; a text column sorts in increasing order.
	do("sort by calls", chromedp.Click(chromedp.CSS(`th[data-sort="calls"]`)))
	until("the table is sorted by calls, the most first", `document.getElementById('task-rows').dataset.sort === 'calls desc'`)
	if got, want := firstNames(rows(), 3), []string{"worker-05", "worker-04", "worker-03"}; !slices.Equal(got, want) {
		t.Errorf("sorted by calls: %v, want %v first; %+v", got, want, rows())
	}
	do("reverse the sort", chromedp.Click(chromedp.CSS(`th[data-sort="calls"]`)))
	until("the table is sorted by calls, the fewest first", `document.getElementById('task-rows').dataset.sort === 'calls asc'`)
	if got := firstNames(rows(), 1); !slices.Equal(got, []string{"worker-00"}) {
		t.Errorf("sorted by calls, the fewest first: %v first, want worker-00", got)
	}
	if aria, _ := chromedp.Run(bctx, chromedp.AttributeValue(chromedp.CSS(`th[data-sort="calls"]`), "aria-sort")); aria.Value != "ascending" {
		t.Errorf("aria-sort of the calls column %q, want ascending", aria.Value)
	}
	do("sort by name", chromedp.Click(chromedp.CSS(`th[data-sort="name"]`)))
	until("the table is sorted by name", `document.getElementById('task-rows').dataset.sort === 'name asc'`)
	if got, want := firstNames(rows(), 4), []string{"locker", "reader", "receiver", "sleeper"}; !slices.Equal(got, want) {
		t.Errorf("sorted by name: %v, want %v first", got, want)
	}

	// Filtering.
	do("filter op:recv", chromedp.SendKeys(chromedp.ID("filter"), "op:recv"))
	until("the table is filtered", `document.getElementById('task-rows').dataset.filter === 'op:recv'`)
	if got := rows(); len(got) != 7 {
		t.Errorf("filtered on op:recv: %d rows, want the receiver and the 6 workers", len(got))
	}
	for _, r := range rows() {
		if r.Op != "recv" {
			t.Errorf("filtered on op:recv, row %+v", r)
		}
	}
	if text, _ := chromedp.Run(bctx, chromedp.Text(chromedp.ID("matched"))); text != "7 of 10 match" {
		t.Errorf("match count %q, want 7 of 10 match", text)
	}
	setFilter := func(q string) {
		t.Helper()
		do("filter "+q, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = document.getElementById('filter'); f.value = %q; f.dispatchEvent(new Event('input')); })()`, q)))
	}
	setFilter("target:" + sc.Addr)
	until("the table is filtered on the target", `document.getElementById('task-rows').dataset.filter === 'target:`+sc.Addr+`'`)
	if got := firstNames(rows(), 10); !slices.Equal(got, []string{"reader"}) {
		t.Errorf("filtered on the reader's target: %v, want the reader alone", got)
	}
	setFilter("-name:worker")
	until("the table is filtered on -name:worker", `document.getElementById('task-rows').dataset.filter === '-name:worker'`)
	if got, want := firstNames(rows(), 4), []string{"locker", "reader", "receiver", "sleeper"}; !slices.Equal(got, want) {
		t.Errorf("filtered on -name:worker: %v, want %v", got, want)
	}
	setFilter("calls>")
	until("a bad filter says why", `document.getElementById('filter-error').textContent.includes('calls wants a number')`)
	setFilter("")
	until("the table lists the 10 tasks again", `document.getElementById('task-rows').dataset.filter === '' && document.querySelectorAll('#task-rows tr').length === 10`)

	// The stats, and the screenshot of the whole page.
	until("the stats list the calls by kind", `document.querySelectorAll('#kinds tbody tr').length >= 5 && document.querySelectorAll('#histogram rect').length > 0`)
	do("show the target's histogram", chromedp.Click(chromedp.CSS(`#targets tbody tr`)))
	until("the target's histogram is shown", fmt.Sprintf(`document.getElementById('histo-name').textContent === 'target %s'`, sc.Addr))
	shot(t, bctx, "live.png")

	// A task's page shows its calls, its state and its stack.
	do("open the reader's page", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#task-rows tr[data-id="%d"]`, sc.Reader.ID()))))
	until("the reader's page shows its dial and its write", `document.querySelectorAll('#detail-events tbody tr').length === 2`)
	detail := func(id string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got, want := detail("detail-state"), "blocked in read "+sc.Addr; !strings.HasPrefix(got, want) {
		t.Errorf("reader's state %q, want %q...", got, want)
	}
	events, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#detail-events tbody tr')].map(tr => tr.children[1].textContent + ' ' + tr.children[2].textContent + ' ' + tr.children[4].textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"write " + sc.Addr + " 5", "dial " + sc.Addr + " 0"}; !slices.Equal(events, want) {
		t.Errorf("reader's calls, newest first: %q, want %q", events, want)
	}
	until("the stack is shown", `document.getElementById('detail-stack').textContent.includes('netx.(*conn).Read')`)
	shot(t, bctx, "live-task.png")

	// A kill from the page ends the task.
	do("open the sleeper's page", chromedp.Navigate(fmt.Sprintf("%s#task/%d", base, sc.Sleeper.ID())))
	until("the sleeper's page offers a kill", `document.getElementById('detail-title').textContent.includes('sleeper') && !document.getElementById('kill-box').hidden`)
	do("ask to kill", chromedp.Click(chromedp.ID("kill")), chromedp.WaitVisible(chromedp.ID("kill-confirm")))
	select {
	case <-sc.Sleeper.Done():
		t.Fatal("the task ended before the kill was confirmed")
	default:
	}
	do("confirm the kill", chromedp.Click(chromedp.ID("kill-confirm")))
	select {
	case <-sc.Sleeper.Done():
	case <-ctx.Done():
		t.Fatal("the task did not end after the kill from the page")
	}
	if err := sc.Sleeper.Err(); !errors.Is(err, ErrKilledFromPage) || !errors.Is(err, iox.ErrKilled) {
		t.Errorf("the sleeper ended with %v, want a kill from the page", err)
	}
	until("the page shows the task ended", `document.getElementById('detail-state').textContent.startsWith('ended: iox: task killed: live: killed from the page')`)
	if got := detail("kill-result"); got != "killed" {
		t.Errorf("kill result %q, want killed", got)
	}

	// A task that waits outside coop is shown under "Outside coop", with
	// the line of its own code that waits.
	never := make(chan int)
	defer close(never)
	at := make(chan string, 1)
	raw := sc.S.Go(func(ctx context.Context) error {
		_, file, line, _ := runtime.Caller(0)
		at <- fmt.Sprintf("%s:%d", file, line+2)
		<-never
		return nil
	}).SetName("raw recv")
	line := <-at
	do("open the list", chromedp.Navigate(base))
	until("the task outside coop is shown", fmt.Sprintf(`(() => { const d = document.querySelector('#parked details[data-task="%d"] summary'); return !!d && d.textContent.includes(%q); })()`, raw.ID(), "'raw recv' in chan receive at "+line))
	shot(t, bctx, "live-parked.png")
}

// shot saves a screenshot of the page as name in the test's temporary
// directory, and to the file COOP_LIVE_SCREENSHOT names (its name with
// name's suffix for the screenshots after the first).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	paths := []string{filepath.Join(t.TempDir(), name)}
	if p := os.Getenv(screenshotEnv); p != "" {
		if name != "live.png" {
			p = strings.TrimSuffix(p, filepath.Ext(p)) + strings.TrimPrefix(name, "live")
		}
		paths = append(paths, p)
	}
	for _, p := range paths {
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", p, len(png))
	}
}

// lockedBuffer is a strings.Builder for the browser's output, which
// chromedp writes from a goroutine of its own.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
