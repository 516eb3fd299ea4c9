package live

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coop-go/coop/iox"
)

// Options configures the handler NewHandler makes. The zero value is the
// configuration Handler uses.
type Options struct {
	// AllowKill lets the page's kill button, and POST api/tasks/{id}/kill,
	// kill tasks. It is off by default, because whoever reaches the
	// handler could end the program's work.
	AllowKill bool

	// Events is how many of each task's most recent calls the detail page
	// keeps; 0 means 10.
	Events int

	// Linger is how long the handler keeps recording each task's calls
	// and the watchdog's reports after the last request; 0 means a minute.
	Linger time.Duration

	// AlwaysRecord makes the handler record from the moment it is made,
	// and for good, instead of only while someone looks: a task's page
	// then shows the calls it made before the page was opened (those of a
	// task that got stuck before anyone looked, say). Every call of the
	// scheduler then reaches the handler's observer, which costs a few
	// tens of nanoseconds a call (BENCHMARKS.md).
	AlwaysRecord bool
}

// ErrKilledFromPage is the reason given to Task.Kill for a task killed
// through the handler: the task's error matches both it and iox.ErrKilled.
var ErrKilledFromPage = errors.New("live: killed from the page")

//go:embed static schema.json
var files embed.FS

type handler struct {
	s    *iox.Scheduler
	opts Options
	rec  *recorder
	mux  *http.ServeMux
	rows sync.Pool // *[]row: a table's rows, reused from poll to poll
}

// Handler returns a handler that serves the page of scheduler s, and the
// same data as JSON, with the default Options: killing tasks is off. See
// the package documentation for its paths. It is safe for concurrent use.
func Handler(s *iox.Scheduler) http.Handler { return NewHandler(s, nil) }

// NewHandler is Handler with options; nil options are the zero Options.
// It panics if s is nil or an option is negative.
func NewHandler(s *iox.Scheduler, opts *Options) http.Handler {
	if s == nil {
		panic("live: NewHandler called with a nil scheduler")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Events < 0 || o.Linger < 0 {
		panic(fmt.Sprintf("live: NewHandler: negative option (Events %d, Linger %v)", o.Events, o.Linger))
	}
	if o.Events == 0 {
		o.Events = 10
	}
	if o.Linger == 0 {
		o.Linger = time.Minute
	}
	h := &handler{s: s, opts: o, rec: newRecorder(s, o.Events, o.Linger), mux: http.NewServeMux()}
	if o.AlwaysRecord {
		h.rec.start(false)
	}
	static, _ := fs.Sub(files, "static")
	h.mux.HandleFunc("GET /{$}", h.page)
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	h.mux.HandleFunc("GET /api/tasks", h.tasks)
	h.mux.HandleFunc("GET /api/tasks/{id}", h.detail)
	h.mux.HandleFunc("POST /api/tasks/{id}/kill", h.kill)
	h.mux.HandleFunc("GET /api/stats", h.stats)
	h.mux.HandleFunc("GET /api/stalls", h.stalls)
	h.mux.HandleFunc("GET /api/parked", h.parked)
	h.mux.HandleFunc("GET /api/schema", h.schema)
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "" {
		// Mounted with http.StripPrefix("/debug/coop", ...) and asked for
		// "/debug/coop": the page's relative links need the slash.
		// http.Redirect would resolve a relative location against the
		// stripped path; the browser resolves it against the one it asked.
		p, _, _ := strings.Cut(r.RequestURI, "?")
		w.Header().Set("Location", path.Base(p)+"/")
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	// The page loads nothing from elsewhere, and no other site may frame it.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

func (h *handler) page(w http.ResponseWriter, r *http.Request) {
	b, _ := files.ReadFile("static/index.html")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

func (h *handler) tasks(w http.ResponseWriter, r *http.Request) {
	lq, err := parseListQuery(r.URL.Query())
	if err != nil {
		replyError(w, http.StatusBadRequest, err)
		return
	}
	since := h.rec.touch()
	h.rec.pruneEvery(pruneInterval)
	snap := h.s.Snapshot()
	buf, _ := h.rows.Get().(*[]row)
	if buf == nil {
		buf = new([]row)
	}
	defer h.rows.Put(buf)
	rows := slices.Grow((*buf)[:0], len(snap.Tasks))[:len(snap.Tasks)]
	*buf = rows
	states := map[string]int{}
	for i, ts := range snap.Tasks {
		rows[i] = rowOf(ts)
		states[rows[i].state]++
	}
	page, matched := lq.list(rows)
	reply(w, TaskList{
		Scheduler:      snap.Scheduler,
		Mode:           snap.Mode.String(),
		Taken:          snap.Taken,
		Total:          len(rows),
		Matched:        matched,
		States:         states,
		Sort:           lq.sort,
		Desc:           lq.desc,
		Filter:         lq.q,
		Offset:         lq.offset,
		Limit:          lq.limit,
		Kill:           h.opts.AllowKill,
		RecordingSince: &since,
		Tasks:          tasksOf(page),
	})
}

// taskID parses the {id} of the request's path.
func taskID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		replyError(w, http.StatusBadRequest, fmt.Errorf("live: task id %q is not a number", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// detail replies with one task; stack=false leaves its stack out, which
// costs a dump of every goroutine's stack.
func (h *handler) detail(w http.ResponseWriter, r *http.Request) {
	id, ok := taskID(w, r)
	if !ok {
		return
	}
	withStack := true
	if s := r.URL.Query().Get("stack"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			replyError(w, http.StatusBadRequest, fmt.Errorf("live: stack=%q: want true or false", s))
			return
		}
		withStack = b
	}
	since := h.rec.touch()
	snap := h.s.Snapshot()
	d := TaskDetail{RecordingSince: &since, Children: []Task{}, Kill: h.opts.AllowKill}
	found := false
	var children []row
	for _, ts := range snap.Tasks {
		rw := rowOf(ts)
		if ts.ID == id {
			d.Task, d.Alive, found = rw.task(), true, true
		} else if rw.parent == id {
			children = append(children, rw)
		}
	}
	t := h.rec.task(id)
	if !found {
		if t == nil || !ended(t) {
			replyError(w, http.StatusNotFound, fmt.Errorf("live: no task %d: it has not started, or it ended and is forgotten", id))
			return
		}
		d.Task = Task{ID: id, Name: t.Name(), State: "ended"}
		d.Err = errString(t.Err())
	}
	page, _ := listQuery{sort: "id", limit: len(children)}.list(children)
	d.Children = tasksOf(page)
	d.Events, d.EventsSeen = h.rec.calls(id)
	if withStack && d.Alive {
		if t := h.lookup(id); t != nil {
			d.Stack = string(h.stackOf(t))
		}
	}
	reply(w, d)
}

// killHeader must be on a kill request: a page of another site can send a
// POST, but not with a header of its own without the browser asking this
// handler first (a CORS preflight), which it refuses.
const killHeader = "X-Coop-Kill"

func (h *handler) kill(w http.ResponseWriter, r *http.Request) {
	id, ok := taskID(w, r)
	if !ok {
		return
	}
	if !h.opts.AllowKill {
		replyError(w, http.StatusForbidden, errors.New("live: killing tasks is off; turn it on with live.Options{AllowKill: true}"))
		return
	}
	if r.Header.Get(killHeader) != strconv.FormatUint(id, 10) {
		replyError(w, http.StatusForbidden, fmt.Errorf("live: a kill request needs the header %s: %d", killHeader, id))
		return
	}
	h.rec.touch()
	t := h.lookup(id)
	if t == nil {
		if t := h.rec.task(id); t != nil && ended(t) {
			reply(w, KillReply{ID: id, Killed: false})
			return
		}
		replyError(w, http.StatusNotFound, fmt.Errorf("live: no live task %d that this handler knows", id))
		return
	}
	t.Kill(ErrKilledFromPage)
	reply(w, KillReply{ID: id, Killed: true})
}

func (h *handler) stats(w http.ResponseWriter, r *http.Request) {
	h.rec.touch()
	rep, err := statsReport(statsOf(h.s), r.URL.Query())
	if err != nil {
		replyError(w, http.StatusBadRequest, err)
		return
	}
	reply(w, rep)
}

func (h *handler) stalls(w http.ResponseWriter, r *http.Request) {
	since := h.rec.touch()
	list, seen := h.rec.stallList()
	reply(w, StallList{Stalls: list, Seen: seen, RecordingSince: &since})
}

// defaultQuiet is api/parked's quiet when none is given: long enough that
// a task making coop calls never reaches it, so that a page that asks
// every few seconds costs no goroutine dump while no task is parked.
const defaultQuiet = time.Second

func (h *handler) parked(w http.ResponseWriter, r *http.Request) {
	quiet := defaultQuiet
	if q := r.URL.Query().Get("quiet"); q != "" {
		d, err := time.ParseDuration(q)
		if err != nil || d < 0 {
			replyError(w, http.StatusBadRequest, fmt.Errorf("live: quiet=%q: want a duration such as 1s or 500ms", q))
			return
		}
		quiet = d
	}
	h.rec.touch()
	list := ParkedList{Taken: time.Now(), QuietNS: int64(quiet), Parked: []ParkedTask{}}
	for _, p := range h.s.Parked(quiet) {
		list.Parked = append(list.Parked, ParkedTask{
			ID: p.ID, Name: p.Name, Wait: p.Wait, QuietNS: int64(p.Quiet),
			Func: p.Func, At: p.At, Text: p.String(), Stack: p.Stack,
		})
	}
	reply(w, list)
}

func (h *handler) schema(w http.ResponseWriter, r *http.Request) {
	b, _ := files.ReadFile("schema.json")
	w.Header().Set("Content-Type", "application/schema+json")
	w.Write(b)
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

func replyError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(ErrorReply{Error: err.Error()})
}
