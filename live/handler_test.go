package live

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coop-go/coop/internal/livetest"
	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// serve starts a server with the handler of a new scene under
// /debug/coop/, as the package documentation mounts it.
func serve(t *testing.T, workers int, opts *Options, sopts ...iox.Option) (*livetest.Scene, *handler, string) {
	t.Helper()
	var h *handler
	var srv *httptest.Server
	sc := livetest.New(t, workers, func(s *iox.Scheduler) {
		h = NewHandler(s, opts).(*handler)
		mux := http.NewServeMux()
		mux.Handle("/debug/coop/", http.StripPrefix("/debug/coop", h))
		srv = httptest.NewServer(mux)
	}, sopts...)
	t.Cleanup(srv.Close) // before the scene's cleanup: cleanups run last first
	return sc, h, srv.URL + "/debug/coop/"
}

// get fetches base+path and returns the status and body.
func get(t *testing.T, base, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// getJSON fetches base+path, wants a 200 reply that conforms to the
// schema's definition of v's type, and decodes it into v.
func getJSON(t *testing.T, base, path string, v any) {
	t.Helper()
	code, b := get(t, base, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, b)
	}
	checkReply(t, reflectName(v), b)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// reflectName is the name of the type v points to.
func reflectName(v any) string { return reflect.TypeOf(v).Elem().Name() }

func itoa(id uint64) string { return strconv.FormatUint(id, 10) }

func names(tasks []Task) []string {
	var out []string
	for _, t := range tasks {
		out = append(out, t.Name)
	}
	return out
}

func TestTaskList(t *testing.T) {
	sc, _, base := serve(t, 3, nil)
	var list TaskList
	getJSON(t, base, "api/tasks", &list)
	if list.Scheduler != "scene" || list.Mode != "Free" || list.Total != 7 || list.Matched != 7 || list.States["blocked"] != 7 {
		t.Errorf("list: scheduler %q mode %q total %d matched %d states %v, want scene Free 7 7 {blocked 7}",
			list.Scheduler, list.Mode, list.Total, list.Matched, list.States)
	}
	if list.Sort != "blocked_ns" || !list.Desc || list.Limit != defaultLimit || list.Kill || list.RecordingSince == nil {
		t.Errorf("list: sort %q desc %v limit %d kill %v recording %v, want blocked_ns, true, %d, false, a time",
			list.Sort, list.Desc, list.Limit, list.Kill, list.RecordingSince, defaultLimit)
	}
	want := map[string]struct{ op, target string }{
		"reader": {"read", sc.Addr}, "sleeper": {"sleep", ""}, "receiver": {"recv", ""}, "locker": {"lock", ""},
		"worker-00": {"recv", ""}, "worker-01": {"recv", ""}, "worker-02": {"recv", ""},
	}
	for _, tk := range list.Tasks {
		w, ok := want[tk.Name]
		if !ok || tk.State != "blocked" || tk.Op != w.op || tk.Target != w.target || tk.Since == nil || tk.BlockedNS <= 0 || tk.AgeNS < tk.BlockedNS {
			t.Errorf("task %+v, want blocked in %q on %q for a while", tk, w.op, w.target)
		}
		delete(want, tk.Name)
	}
	if len(want) > 0 {
		t.Errorf("tasks missing: %v", want)
	}
	for i := 1; i < len(list.Tasks); i++ {
		if list.Tasks[i-1].BlockedNS < list.Tasks[i].BlockedNS {
			t.Errorf("not the longest blocked first: %v", names(list.Tasks))
		}
	}
	getJSON(t, base, "api/tasks?desc=false", &list)
	for i := 1; i < len(list.Tasks); i++ {
		if list.Tasks[i-1].BlockedNS > list.Tasks[i].BlockedNS {
			t.Errorf("desc=false: not the shortest blocked first: %v", names(list.Tasks))
		}
	}
}

func TestTaskListSortAndFilter(t *testing.T) {
	_, _, base := serve(t, 5, nil)
	for _, tc := range []struct {
		query   string
		want    []string
		matched int
	}{
		// Calls: worker i made i, reader 2 (dial, write), the others 1;
		// ties go by id, the order the scene started the tasks in.
		{"sort=calls", []string{"worker-04", "worker-03", "reader", "worker-02", "sleeper", "receiver", "locker", "worker-01", "worker-00"}, 9},
		{"sort=calls&desc=false&limit=3", []string{"worker-00", "sleeper", "receiver"}, 9},
		{"sort=name&limit=3&offset=2", []string{"receiver", "sleeper", "worker-00"}, 9},
		{"sort=name&desc=true&limit=2", []string{"worker-04", "worker-03"}, 9},
		{"sort=name&q=op:recv", []string{"receiver", "worker-00", "worker-01", "worker-02", "worker-03", "worker-04"}, 6},
		{"sort=name&q=" + url.QueryEscape("-name:worker"), []string{"locker", "reader", "receiver", "sleeper"}, 4},
		{"sort=name&q=" + url.QueryEscape("calls>2 state:blocked"), []string{"worker-03", "worker-04"}, 2},
		{"sort=name&q=" + url.QueryEscape("calls<1"), []string{"worker-00"}, 1},
		{"sort=name&q=127.0.0.1", []string{"reader"}, 1},
		{"sort=name&q=SLEEP", []string{"sleeper"}, 1},
		{"sort=name&q=" + url.QueryEscape("blocked>1h"), nil, 0},
		{"sort=name&q=nothing-has-this", nil, 0},
		{"sort=name&offset=100", nil, 9},
	} {
		var list TaskList
		getJSON(t, base, "api/tasks?"+tc.query, &list)
		if got := names(list.Tasks); !slices.Equal(got, tc.want) || list.Matched != tc.matched || list.Total != 9 {
			t.Errorf("api/tasks?%s = %v (%d matched of %d), want %v (%d matched of 9)", tc.query, got, list.Matched, list.Total, tc.want, tc.matched)
		}
	}
}

func TestBadQueries(t *testing.T) {
	_, _, base := serve(t, 0, nil)
	for _, tc := range []struct{ path, want string }{
		{"api/tasks?sort=bogus", `live: sort="bogus": no such field (one of age_ns, blocked_ns, busy_ns, bytes, calls, errors, id, idle_ns, name, op, parent, since, spawned, state, target)`},
		{"api/tasks?desc=maybe", `live: desc="maybe": want true or false`},
		{"api/tasks?limit=0", `live: limit="0": want a whole number from 1 to 100000`},
		{"api/tasks?offset=-1", `live: offset="-1": want a whole number from 0 to 2147483647`},
		{"api/tasks?q=" + url.QueryEscape("blocked>soon"), `live: filter "blocked>soon": blocked wants a duration such as 1s or 250ms`},
		{"api/tasks?q=" + url.QueryEscape("calls>many"), `live: filter "calls>many": calls wants a number`},
		{"api/tasks?q=" + url.QueryEscape("id:x"), `live: filter "id:x": id wants a task id`},
		{"api/tasks/x", `live: task id "x" is not a number`},
		{"api/tasks/999999999", `live: no task 999999999: it has not started, or it ended and is forgotten`},
		{"api/tasks/1?stack=perhaps", `live: stack="perhaps": want true or false`},
		{"api/stats?limit=x", `live: limit="x": want a whole number from 1 to 100000`},
	} {
		code, b := get(t, base, tc.path)
		checkReply(t, "ErrorReply", b)
		var e ErrorReply
		json.Unmarshal(b, &e)
		if code/100 != 4 || e.Error != tc.want {
			t.Errorf("GET %s = %d %q, want 4xx %q", tc.path, code, e.Error, tc.want)
		}
	}
}

func TestDetail(t *testing.T) {
	sc, _, base := serve(t, 2, &Options{AlwaysRecord: true})
	var d TaskDetail
	getJSON(t, base, "api/tasks/"+itoa(sc.Reader.ID()), &d)
	if !d.Alive || d.Task.Name != "reader" || d.Task.State != "blocked" || d.Task.Op != "read" || d.Err != "" || d.Kill {
		t.Errorf("detail %+v, want a live reader blocked in read, no kill", d)
	}
	var ops []string
	for _, e := range d.Events {
		ops = append(ops, e.Op+" "+e.Target)
		if e.Start.IsZero() || e.DurationNS < 0 || e.Err != "" {
			t.Errorf("event %+v", e)
		}
	}
	if want := []string{"dial " + sc.Addr, "write " + sc.Addr}; !slices.Equal(ops, want) || d.EventsSeen != 2 {
		t.Errorf("events %v (%d seen), want %v", ops, d.EventsSeen, want)
	}
	if d.Events[1].Bytes != 5 {
		t.Errorf("the write moved %d bytes, want 5", d.Events[1].Bytes)
	}
	if !strings.Contains(d.Stack, "netx.(*conn).Read") || !strings.Contains(d.Stack, "livetest.New") {
		t.Errorf("stack does not show the read:\n%s", d.Stack)
	}
	getJSON(t, base, "api/tasks/"+itoa(sc.Reader.ID())+"?stack=false", &d)
	if d.Stack != "" {
		t.Errorf("stack=false gave a stack")
	}
}

// The handler records only while someone looks, unless told otherwise.
func TestRecordsWhileWatched(t *testing.T) {
	step := make(chan struct{})
	var tk *iox.Task
	var h *handler
	sc := livetest.New(t, 0, func(s *iox.Scheduler) {
		h = NewHandler(s, &Options{Linger: time.Hour}).(*handler)
		tk = s.Go(func(ctx context.Context) error {
			for {
				iox.Recv(step)
				iox.Sleep(1)
			}
		}).SetName("stepper")
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	base := srv.URL + "/"
	stepAndWait := func() {
		step <- struct{}{}
		sc.WaitBlocked(t, tk, iox.OpRecv)
	}
	stepAndWait() // before anyone looked: not recorded
	if h.rec.recording() != nil {
		t.Fatal("recording before the first request")
	}
	var d TaskDetail
	getJSON(t, base, "api/tasks/"+itoa(tk.ID()), &d)
	if d.RecordingSince == nil || len(d.Events) != 0 || d.EventsSeen != 0 {
		t.Fatalf("first look: recording %v, %d events (%d seen), want a time and none", d.RecordingSince, len(d.Events), d.EventsSeen)
	}
	// The receive the task was in when recording began is not reported
	// (a call is reported to the observers there were when it began);
	// the calls after it are.
	stepAndWait()
	stepAndWait()
	getJSON(t, base, "api/tasks/"+itoa(tk.ID()), &d)
	var ops []string
	for _, e := range d.Events {
		ops = append(ops, e.Op)
	}
	if want := []string{"sleep", "recv", "sleep"}; !slices.Equal(ops, want) || d.EventsSeen != 3 {
		t.Fatalf("after two steps while watched: %v (%d seen), want %v", ops, d.EventsSeen, want)
	}
	h.rec.expire(time.Now().Add(time.Minute)) // looked at a minute ago: keeps recording
	if h.rec.recording() == nil {
		t.Fatal("stopped recording before the linger time")
	}
	h.rec.expire(time.Now().Add(2 * time.Hour))
	if h.rec.recording() != nil {
		t.Fatal("still recording after the linger time")
	}
	stepAndWait()
	if n := h.rec.ntasks.Load(); n != 0 {
		t.Errorf("%d tasks recorded while nobody looked", n)
	}
	getJSON(t, base, "api/tasks/"+itoa(tk.ID()), &d)
	if len(d.Events) != 0 {
		t.Errorf("events recorded while nobody looked: %+v", d.Events)
	}
}

func TestKill(t *testing.T) {
	post := func(base string, id uint64, header string) (int, []byte) {
		req, _ := http.NewRequest("POST", base+"api/tasks/"+itoa(id)+"/kill", nil)
		if header != "" {
			req.Header.Set(killHeader, header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	t.Run("off", func(t *testing.T) {
		sc, _, base := serve(t, 0, nil)
		code, b := post(base, sc.Sleeper.ID(), itoa(sc.Sleeper.ID()))
		if code != http.StatusForbidden || !strings.Contains(string(b), "live: killing tasks is off; turn it on with live.Options{AllowKill: true}") {
			t.Errorf("kill with AllowKill off: %d %s", code, b)
		}
		if code, _ := get(t, base, "api/tasks/"+itoa(sc.Sleeper.ID())+"/kill"); code != http.StatusMethodNotAllowed {
			t.Errorf("GET of kill: %d, want 405", code)
		}
		sc.WaitBlocked(t, sc.Sleeper, iox.OpSleep) // still there
	})
	t.Run("on", func(t *testing.T) {
		sc, _, base := serve(t, 0, &Options{AllowKill: true, AlwaysRecord: true})
		id := sc.Sleeper.ID()
		for _, hdr := range []string{"", "1" + itoa(id)} {
			if code, b := post(base, id, hdr); code != http.StatusForbidden || !strings.Contains(string(b), "needs the header X-Coop-Kill: "+itoa(id)) {
				t.Errorf("kill with header %q: %d %s, want 403", hdr, code, b)
			}
		}
		code, b := post(base, id, itoa(id))
		checkReply(t, "KillReply", b)
		if code != http.StatusOK || string(b) != `{"id":`+itoa(id)+`,"killed":true}`+"\n" {
			t.Fatalf("kill: %d %s", code, b)
		}
		err := sc.Sleeper.Wait()
		if !errors.Is(err, ErrKilledFromPage) || !errors.Is(err, iox.ErrKilled) {
			t.Fatalf("killed task's error %v, want one matching ErrKilledFromPage and iox.ErrKilled", err)
		}
		var d TaskDetail
		getJSON(t, base, "api/tasks/"+itoa(id), &d)
		if d.Alive || d.Task.State != "ended" || d.Err != err.Error() || len(d.Events) != 2 || d.Events[1].Op != "sleep" || d.Events[1].Err != err.Error() {
			t.Errorf("detail after the kill: %+v, want ended with %q, and its two sleeps, the second cut short", d, err)
		}
		if code, b := post(base, id, itoa(id)); code != http.StatusOK || !strings.Contains(string(b), `"killed":false`) {
			t.Errorf("second kill: %d %s, want killed false", code, b)
		}
		if code, _ := post(base, 999999999, "999999999"); code != http.StatusNotFound {
			t.Errorf("kill of no task: %d, want 404", code)
		}
	})
}

func TestStats(t *testing.T) {
	sc, _, base := serve(t, 3, nil)
	var st StatsReport
	getJSON(t, base, "api/stats", &st)
	kinds := map[string]CallStats{}
	for _, k := range st.Kinds {
		kinds[k.Name] = k
	}
	// The scene's calls that ended: reader's dial and write, sleeper's
	// short sleep, receiver's and the workers' (0+1+2) receives, locker's
	// free lock.
	for name, calls := range map[string]int64{"dial": 1, "write": 1, "sleep": 1, "recv": 4, "lock": 1} {
		k := kinds[name]
		if k.Calls != calls || k.MaxNS < k.P99NS || k.P99NS < k.P50NS || len(k.Histogram) == 0 {
			t.Errorf("kind %s: %+v, want %d calls and a histogram", name, k, calls)
		}
		var n int64
		for _, b := range k.Histogram {
			n += b.Count
		}
		if n != calls {
			t.Errorf("kind %s: histogram counts %d calls, want %d", name, n, calls)
		}
	}
	if !st.Enabled || st.TargetsTotal != 1 || len(st.Targets) != 1 || st.Targets[0].Name != sc.Addr || st.Targets[0].Calls != 2 || st.Targets[0].Bytes != 5 {
		t.Errorf("targets: %+v (total %d), want %s with the dial and the 5-byte write", st.Targets, st.TargetsTotal, sc.Addr)
	}
	getJSON(t, base, "api/stats?q=nowhere", &st)
	if len(st.Targets) != 0 || st.TargetsTotal != 1 {
		t.Errorf("filtered targets: %+v", st.Targets)
	}
}

// The watchdog's reports of a Cooperative scheduler reach api/stalls.
func TestStalls(t *testing.T) {
	stalled := make(chan struct{}, 1)
	var stop atomic.Bool
	var h *handler
	sc := livetest.New(t, 0, func(s *iox.Scheduler) {
		h = NewHandler(s, &Options{AlwaysRecord: true}).(*handler)
		s.Observe(iox.ObserverFunc(func(e iox.Event) { // after the handler's: it has seen e first
			if e.Kind == iox.OpStall {
				select {
				case stalled <- struct{}{}:
				default:
				}
			}
		}))
	}, iox.WithMode(iox.Cooperative), iox.WithMaxBlocking(20*time.Millisecond))
	srv := httptest.NewServer(h)
	defer srv.Close()
	hog := sc.S.Go(func(ctx context.Context) error {
		for !stop.Load() {
			runtime.Gosched() // no coop call: holds the turn
		}
		return nil
	}).SetName("hog")
	<-stalled
	stop.Store(true)
	hog.Wait()
	var sl StallList
	getJSON(t, srv.URL+"/", "api/stalls", &sl)
	if sl.Seen < 1 || len(sl.Stalls) < 1 || sl.RecordingSince == nil {
		t.Fatalf("stalls: %+v, want the hog's", sl)
	}
	s := sl.Stalls[0]
	if s.Task != hog.ID() || s.Name != "hog" || s.HeldNS < int64(20*time.Millisecond) || !strings.Contains(s.Stack, "TestStalls") {
		t.Errorf("stall %+v, want the hog holding the turn 20ms or more, with its stack", s)
	}
}

func TestPageAndRedirect(t *testing.T) {
	sc, _, base := serve(t, 0, nil)
	// Mounted with StripPrefix alone, the handler itself adds the slash
	// the page's relative links need (a ServeMux pattern ending in a slash
	// does it before).
	bare := httptest.NewServer(http.StripPrefix("/debug/coop", Handler(sc.S)))
	defer bare.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(bare.URL + "/debug/coop?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "coop/" {
		t.Errorf("GET /debug/coop: %d to %q, want 301 to coop/", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, tc := range []struct{ path, ctype, has string }{
		{"", "text/html; charset=utf-8", `<script src="static/app.js"`},
		{"static/app.js", "text/javascript; charset=utf-8", "api/tasks?"},
		{"static/style.css", "text/css; charset=utf-8", "table.grid"},
		{"api/schema", "application/schema+json", `"$schema": "https://json-schema.org/draft/2020-12/schema"`},
	} {
		resp, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.ctype || !strings.Contains(string(b), tc.has) {
			t.Errorf("GET %q: %d %q, want 200 %q containing %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.ctype, tc.has)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); csp != "default-src 'self'; frame-ancestors 'none'" {
			t.Errorf("GET %q: Content-Security-Policy %q", tc.path, csp)
		}
	}
	if code, _ := get(t, base, "nothing-here"); code != http.StatusNotFound {
		t.Errorf("GET nothing-here: %d, want 404", code)
	}
}

// The page loads nothing from elsewhere: every URL it names is relative.
func TestNoExternalAssets(t *testing.T) {
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*`)
	for _, name := range []string{"static/index.html", "static/app.js", "static/style.css"} {
		b, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range url.FindAllString(string(b), -1) {
			if u != "http://www.w3.org/2000/svg" { // a namespace name, not a load
				t.Errorf("%s names %s", name, u)
			}
		}
		if bytes := string(b); strings.Contains(bytes, "@import") {
			t.Errorf("%s imports a style sheet", name)
		}
	}
}

func TestNewHandlerBadInput(t *testing.T) {
	for _, tc := range []struct {
		s    *iox.Scheduler
		opts *Options
		want string
	}{
		{nil, nil, "live: NewHandler called with a nil scheduler"},
		{iox.Default(), &Options{Events: -1}, "live: NewHandler: negative option (Events -1, Linger 0s)"},
		{iox.Default(), &Options{Linger: -time.Second}, "live: NewHandler: negative option (Events 0, Linger -1s)"},
	} {
		func() {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("NewHandler(%v, %+v) panicked with %v, want %q", tc.s, tc.opts, r, tc.want)
				}
			}()
			NewHandler(tc.s, tc.opts)
		}()
	}
}

// A handler nobody has looked at leaves the door as it was: no observer
// wants the scheduler's calls reported until the first request.
func TestMountedCostsNothing(t *testing.T) {
	s := iox.New()
	defer s.Close()
	h := Handler(s)
	reported := func() bool {
		var got bool
		s.Go(func(ctx context.Context) error {
			op, err := iox.Begin(ctx, iox.OpBlock, "probe")
			got = op.Reported()
			op.End(0, nil)
			return err
		}).Wait()
		return got
	}
	if reported() {
		t.Fatal("a call is reported with the handler mounted and nobody looking")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/stalls", nil))
	if !reported() {
		t.Fatal("a call is not reported while someone looks")
	}
	h.(*handler).rec.expire(time.Now().Add(2 * time.Minute))
	if reported() {
		t.Fatal("a call is reported after the handler stopped recording")
	}
}

// A task that waits in a raw channel receive reaches api/parked with its
// frame; the scene's tasks, all in coop calls, do not.
func TestParkedList(t *testing.T) {
	sc, _, base := serve(t, 2, nil)
	never := make(chan int)
	defer close(never)
	raw := sc.S.Go(func(ctx context.Context) error {
		<-never
		return nil
	}).SetName("raw recv")
	ioxtest.WaitParked(t, sc.S, raw) // and it stays so
	var pl ParkedList
	getJSON(t, base, "api/parked?quiet=0s", &pl)
	if len(pl.Parked) != 1 {
		t.Fatalf("api/parked lists %+v, want the one task in a raw receive", pl.Parked)
	}
	p := pl.Parked[0]
	if p.ID != raw.ID() || p.Name != "raw recv" || p.Wait != "chan receive" || !strings.Contains(p.Func, "TestParkedList") ||
		!strings.Contains(p.At, "handler_test.go:") || !strings.HasPrefix(p.Text, "task "+itoa(raw.ID())+" 'raw recv' in chan receive at ") ||
		!strings.Contains(p.Stack, "TestParkedList") {
		t.Errorf("api/parked says %+v", p)
	}
	getJSON(t, base, "api/parked", &pl) // quiet=1s: the task is younger
	if pl.QuietNS != int64(time.Second) {
		t.Errorf("quiet_ns = %d, want a second's", pl.QuietNS)
	}
	if code, b := get(t, base, "api/parked?quiet=soon"); code != http.StatusBadRequest || !strings.Contains(string(b), "quiet=") {
		t.Errorf("quiet=soon: %d %s, want 400 naming the parameter", code, b)
	}
}
