// Package livetop is `coop top URL`: a terminal view of a running
// program's tasks, in the habits of top(1). It reads the JSON of package
// live's handler, mounted in the program at URL (the page's address,
// such as http://localhost:6060/debug/coop/), and shows the task table,
// sorted and filtered on the server as the page's is, and below it the
// tasks that wait outside any coop call (api/parked), which a kill does
// not reach until their next coop call.
//
// Keys:
//
//	q, Ctrl-C        quit
//	< >, ← →, h l    sort by the column to the left, to the right
//	r, i             reverse the sort
//	/                filter (see package live: state:blocked, op:read, blocked>1s, -name:x ...);
//	                 Enter applies, Esc cancels, Ctrl-U clears
//	j k, ↓ ↑         scroll a line; PgDn PgUp, space: a page
//	R                refresh now
package livetop

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/coop-go/coop/live"
)

// Main runs coop top with args, the arguments after "top", and returns
// the process's exit code: 0 after q, 1 if the program cannot be read
// (with -once), 2 for bad arguments. It reads keys from stdin (in raw
// mode when stdin is a terminal; at the end of stdin it quits) and draws
// on stdout.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("coop top", flag.ContinueOnError)
	fs.SetOutput(stderr)
	interval := fs.Duration("interval", time.Second, "time between refreshes")
	once := fs.Bool("once", false, "print the table once, without escape codes, and exit")
	sortBy := fs.String("sort", "blocked_ns", "the field to sort by: a task field's JSON name (id, name, state, calls, ...)")
	filter := fs.String("q", "", "the filter (as the page's): state:blocked op:read blocked>1s ...")
	rows := fs.Int("n", 0, "rows of tasks to show; 0 fits the terminal")
	quiet := fs.Duration("quiet", time.Second, "list the tasks outside coop that have made no coop call for this long")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: coop top [flags] URL\n\nURL is the page of package live's handler in the program, such as http://localhost:6060/debug/coop/\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	if *interval <= 0 || *rows < 0 || *quiet < 0 {
		fmt.Fprintf(stderr, "coop top: -interval must be positive, -n and -quiet not negative\n")
		return 2
	}
	base, err := baseURL(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "coop top: %v\n", err)
		return 2
	}
	v := &view{
		base:   base,
		client: &http.Client{Timeout: 5 * time.Second},
		sort:   *sortBy,
		desc:   defaultDesc(*sortBy),
		filter: *filter,
		rows:   *rows,
		quiet:  *quiet,
		out:    stdout,
	}
	if *once {
		v.width, v.height = termSize(stdout)
		if err := v.fetch(); err != nil {
			fmt.Fprintf(stderr, "coop top: %v\n", err)
			return 1
		}
		io.WriteString(stdout, v.render(false))
		return 0
	}
	return v.run(stdin, *interval)
}

// baseURL makes the page's URL the base the API's paths resolve against.
func baseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http:// or https:// URL", s)
	}
	u.Path = strings.TrimSuffix(u.Path, "api/tasks")
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// A column of the table: a task field the server sorts by.
type column struct {
	key, head string
	width     int // 0: shares the room left
	right     bool
	get       func(t *live.Task) string
}

var columns = []column{
	{"id", "ID", 6, true, func(t *live.Task) string { return strconv.FormatUint(t.ID, 10) }},
	{"name", "NAME", 0, false, func(t *live.Task) string { return t.Name }},
	{"parent", "PARENT", 6, true, func(t *live.Task) string { return idOrBlank(t.Parent) }},
	{"state", "STATE", 8, false, func(t *live.Task) string { return t.State }},
	{"op", "OP", 9, false, func(t *live.Task) string { return t.Op }},
	{"target", "TARGET", 0, false, func(t *live.Task) string { return t.Target }},
	{"blocked_ns", "BLOCKED", 8, true, func(t *live.Task) string {
		if t.State != "blocked" {
			return ""
		}
		return duration(t.BlockedNS)
	}},
	{"busy_ns", "BUSY", 7, true, func(t *live.Task) string { return duration(t.BusyNS) }},
	{"idle_ns", "IDLE", 7, true, func(t *live.Task) string { return duration(t.IdleNS) }},
	{"calls", "CALLS", 7, true, func(t *live.Task) string { return strconv.FormatInt(t.Calls, 10) }},
	{"bytes", "BYTES", 7, true, func(t *live.Task) string { return byteCount(t.Bytes) }},
	{"errors", "ERRS", 5, true, func(t *live.Task) string { return strconv.FormatInt(t.Errors, 10) }},
	{"age_ns", "AGE", 7, true, func(t *live.Task) string { return duration(t.AgeNS) }},
	{"spawned", "SPAWNED", 0, false, func(t *live.Task) string { return t.Spawned }},
}

// defaultDesc is the server's default order for a sort field: numbers
// and durations the largest first.
func defaultDesc(key string) bool {
	for _, c := range columns {
		if c.key == key {
			return c.right && c.key != "id" && c.key != "parent"
		}
	}
	return false
}

// view is the state of the screen.
type view struct {
	base   *url.URL
	client *http.Client
	out    io.Writer

	sort   string
	desc   bool
	filter string
	offset int
	rows   int // -n, or 0
	quiet  time.Duration

	editing bool   // typing a filter
	draft   string // the filter being typed

	width, height int
	list          *live.TaskList
	parked        *live.ParkedList
	err           error
	fetched       time.Time
	parkedAt      time.Time // when parked was fetched
}

// parkedEvery is how often the view asks for the tasks outside coop,
// which may cost the program a dump of every goroutine's stack.
const parkedEvery = 5 * time.Second

// maxParked is how many tasks outside coop the view lists.
const maxParked = 3

// Screen control sequences.
const (
	enterScreen = "\x1b[?1049h\x1b[?25l" // alternate screen, cursor hidden
	leaveScreen = "\x1b[?25h\x1b[?1049l"
	home        = "\x1b[H\x1b[2J"
	reverse     = "\x1b[7m"
	bold        = "\x1b[1m"
	plain       = "\x1b[0m"
)

func (v *view) run(stdin io.Reader, interval time.Duration) int {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if old, err := term.MakeRaw(int(f.Fd())); err == nil {
			defer term.Restore(int(f.Fd()), old)
		}
	}
	io.WriteString(v.out, enterScreen)
	defer io.WriteString(v.out, leaveScreen)

	keys := make(chan []byte, 16)
	go func() {
		defer close(keys)
		for {
			buf := make([]byte, 256)
			n, err := stdin.Read(buf)
			if n > 0 {
				keys <- buf[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	v.refresh()
	for {
		select {
		case chunk, ok := <-keys:
			if !ok {
				return 0
			}
			for _, k := range parseKeys(chunk) {
				if v.key(k) {
					return 0
				}
			}
		case <-tick.C:
		}
		v.refresh()
	}
}

// refresh fetches the table and draws it.
func (v *view) refresh() {
	v.width, v.height = termSize(v.out)
	v.err = v.fetch()
	io.WriteString(v.out, home+v.render(true))
}

// pageRows is how many task rows fit.
func (v *view) pageRows() int {
	if v.rows > 0 {
		return v.rows
	}
	return max(1, v.height-5-len(v.parkedLines()))
}

// parkedLines are the lines that list the tasks outside coop, if any.
func (v *view) parkedLines() []string {
	if v.parked == nil || len(v.parked.Parked) == 0 {
		return nil
	}
	ps := v.parked.Parked
	lines := []string{fmt.Sprintf("outside coop (a kill reaches them at their next coop call): %d", len(ps))}
	for _, p := range ps[:min(len(ps), maxParked)] {
		lines = append(lines, "  "+p.Text)
	}
	if len(ps) > maxParked {
		lines = append(lines, fmt.Sprintf("  and %d more", len(ps)-maxParked))
	}
	return lines
}

func (v *view) fetch() error {
	if v.parked == nil || time.Since(v.parkedAt) >= parkedEvery {
		var pl live.ParkedList
		if err := v.get("api/parked", url.Values{"quiet": {v.quiet.String()}}, &pl); err != nil {
			return err
		}
		v.parked, v.parkedAt = &pl, time.Now()
	}
	q := url.Values{
		"sort":   {v.sort},
		"desc":   {strconv.FormatBool(v.desc)},
		"q":      {v.filter},
		"offset": {strconv.Itoa(v.offset)},
		"limit":  {strconv.Itoa(v.pageRows())},
	}
	var list live.TaskList
	if err := v.get("api/tasks", q, &list); err != nil {
		return err
	}
	v.list, v.fetched = &list, time.Now()
	return nil
}

// get fetches the API's path with the query q and decodes its JSON into
// reply.
func (v *view) get(path string, q url.Values, reply any) error {
	u := v.base.ResolveReference(&url.URL{Path: path, RawQuery: q.Encode()})
	resp, err := v.client.Get(u.String())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e live.ErrorReply
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	if err := json.Unmarshal(b, reply); err != nil {
		return fmt.Errorf("GET %s: %v", u, err)
	}
	return nil
}

// Keys, as parseKeys finds them in what the terminal sends.
const (
	keyUp rune = -1 - iota
	keyDown
	keyLeft
	keyRight
	keyPageUp
	keyPageDown
	keyEsc
	keyEnter
	keyBackspace
	keyCtrlC
	keyCtrlD
	keyCtrlU
)

func parseKeys(b []byte) []rune {
	var keys []rune
	for len(b) > 0 {
		switch {
		case bytes.HasPrefix(b, []byte("\x1b[")) && len(b) >= 3:
			seq := map[byte]rune{'A': keyUp, 'B': keyDown, 'C': keyRight, 'D': keyLeft}
			if k, ok := seq[b[2]]; ok {
				keys, b = append(keys, k), b[3:]
				continue
			}
			if len(b) >= 4 && b[3] == '~' && (b[2] == '5' || b[2] == '6') {
				keys, b = append(keys, map[byte]rune{'5': keyPageUp, '6': keyPageDown}[b[2]]), b[4:]
				continue
			}
			keys, b = append(keys, keyEsc), b[1:]
		case b[0] == 0x1b:
			keys, b = append(keys, keyEsc), b[1:]
		case b[0] == '\r' || b[0] == '\n':
			keys, b = append(keys, keyEnter), b[1:]
		case b[0] == 0x7f || b[0] == 0x08:
			keys, b = append(keys, keyBackspace), b[1:]
		case b[0] == 0x03:
			keys, b = append(keys, keyCtrlC), b[1:]
		case b[0] == 0x04:
			keys, b = append(keys, keyCtrlD), b[1:]
		case b[0] == 0x15:
			keys, b = append(keys, keyCtrlU), b[1:]
		case b[0] < 0x20:
			b = b[1:] // other control keys do nothing
		default:
			r, n := utf8.DecodeRune(b)
			keys, b = append(keys, r), b[n:]
		}
	}
	return keys
}

// key handles one key; it reports whether to quit.
func (v *view) key(k rune) bool {
	if k == keyCtrlC || k == keyCtrlD {
		return true
	}
	if v.editing {
		switch k {
		case keyEnter:
			v.editing, v.filter, v.offset = false, v.draft, 0
		case keyEsc:
			v.editing = false
		case keyBackspace:
			if _, n := utf8.DecodeLastRuneInString(v.draft); n > 0 {
				v.draft = v.draft[:len(v.draft)-n]
			}
		case keyCtrlU:
			v.draft = ""
		default:
			if k >= ' ' {
				v.draft += string(k)
			}
		}
		return false
	}
	page := v.pageRows()
	switch k {
	case 'q', 'Q':
		return true
	case '<', 'h', keyLeft:
		v.moveSort(-1)
	case '>', 'l', keyRight:
		v.moveSort(1)
	case 'r', 'i':
		v.desc = !v.desc
		v.offset = 0
	case '/':
		v.editing, v.draft = true, v.filter
	case 'j', keyDown:
		v.scroll(1)
	case 'k', keyUp:
		v.scroll(-1)
	case keyPageDown, ' ':
		v.scroll(page)
	case keyPageUp:
		v.scroll(-page)
	}
	return false
}

func (v *view) moveSort(by int) {
	i := 0
	for j, c := range columns {
		if c.key == v.sort {
			i = j
		}
	}
	i = (i + by + len(columns)) % len(columns)
	v.sort, v.desc, v.offset = columns[i].key, defaultDesc(columns[i].key), 0
}

func (v *view) scroll(by int) {
	v.offset += by
	if v.list != nil && v.offset >= v.list.Matched {
		v.offset = v.list.Matched - 1
	}
	v.offset = max(0, v.offset)
}

// render draws the screen; styled adds the terminal's escape codes and
// the key help.
func (v *view) render(styled bool) string {
	style := func(code, s string) string {
		if !styled {
			return s
		}
		return code + s + plain
	}
	var lines []string
	head := "coop top  " + v.base.String()
	if l := v.list; l != nil {
		head = fmt.Sprintf("coop top  %s (%s)  %s  %d tasks", l.Scheduler, l.Mode, l.Taken.Local().Format("15:04:05"), l.Total)
		for _, s := range []string{"blocked", "running", "runnable", "holding"} {
			if n := l.States[s]; n > 0 {
				head += fmt.Sprintf(", %d %s", n, s)
			}
		}
	}
	lines = append(lines, style(bold, head))

	order := "▲"
	if v.desc {
		order = "▼"
	}
	status := fmt.Sprintf("sort: %s %s", v.sort, order)
	switch {
	case v.editing:
		status += "   filter: " + v.draft + style(reverse, " ")
	case v.filter != "":
		status += "   filter: " + v.filter
	}
	if l := v.list; l != nil {
		if l.Matched == 0 {
			status += fmt.Sprintf("   0 of %d match", l.Total)
		} else {
			status += fmt.Sprintf("   %d-%d of %d", l.Offset+1, l.Offset+len(l.Tasks), l.Matched)
			if l.Filter != "" {
				status += fmt.Sprintf(" (of %d)", l.Total)
			}
		}
	}
	if v.err != nil {
		status += "   " + style(reverse, "error: "+v.err.Error())
	}
	lines = append(lines, status)

	widths := v.widths()
	var hdr []string
	for i, c := range columns {
		if widths[i] == 0 {
			continue
		}
		h := c.head
		if c.key == v.sort {
			h += order
		}
		cellText := pad(h, widths[i], c.right)
		if c.key == v.sort {
			cellText = style(reverse, cellText)
		}
		hdr = append(hdr, cellText)
	}
	lines = append(lines, strings.Join(hdr, " "))
	if l := v.list; l != nil {
		for ti := range l.Tasks {
			t := &l.Tasks[ti]
			var cells []string
			for i, c := range columns {
				if widths[i] > 0 {
					cells = append(cells, pad(c.get(t), widths[i], c.right))
				}
			}
			lines = append(lines, strings.TrimRight(strings.Join(cells, " "), " "))
		}
	}
	if pl := v.parkedLines(); len(pl) > 0 {
		pl[0] = style(bold, pl[0])
		lines = append(lines, pl...)
	}
	if styled {
		for len(lines) < v.height-1 {
			lines = append(lines, "")
		}
		help := "q quit  </> sort column  r reverse  / filter  j/k scroll  space page"
		if v.editing {
			help = "type a filter  Enter apply  Esc cancel  Ctrl-U clear"
		}
		lines = append(lines, style(reverse, pad(help, v.width, false)))
		return strings.Join(lines, "\r\n")
	}
	return strings.Join(lines, "\n") + "\n"
}

// dropOrder is the order in which columns are left out of a terminal too
// narrow for all.
var dropOrder = []string{"spawned", "age_ns", "parent", "errors", "busy_ns", "idle_ns", "bytes"}

// widths gives each column its width for the terminal's: the fixed ones
// theirs, and the room left to name, target and spawned, at least 16, 21
// and 12; columns are left out (width 0), in dropOrder, while the rest
// does not fit.
func (v *view) widths() []int {
	least := map[string]int{"name": 16, "target": 21, "spawned": 12}
	dropped := map[string]bool{}
	for _, drop := range append([]string{""}, dropOrder...) {
		dropped[drop] = true
		need := 0
		for _, c := range columns {
			if !dropped[c.key] {
				need += max(c.width, least[c.key]) + 1
			}
		}
		if need <= v.width+1 {
			break
		}
	}
	share := map[string]float64{"name": 0.45, "target": 0.35, "spawned": 0.2}
	if dropped["spawned"] {
		share = map[string]float64{"name": 0.55, "target": 0.45}
	}
	w := make([]int, len(columns))
	extra := v.width + 1 // what is left once every column has its least
	for i, c := range columns {
		if !dropped[c.key] {
			w[i] = max(c.width, least[c.key])
			extra -= w[i] + 1
		}
	}
	for i, c := range columns {
		if part, ok := share[c.key]; ok && extra > 0 {
			w[i] += int(float64(extra) * part)
		}
	}
	return w
}

func pad(s string, width int, right bool) string {
	n := utf8.RuneCountInString(s)
	if n > width {
		r := []rune(s)
		if width <= 1 {
			return string(r[:width])
		}
		return string(r[:width-1]) + "…"
	}
	if right {
		return strings.Repeat(" ", width-n) + s
	}
	return s + strings.Repeat(" ", width-n)
}

// termSize is the size of the terminal w is, or of $COLUMNS and $LINES,
// or 120 by 40.
func termSize(w io.Writer) (width, height int) {
	if f, ok := w.(*os.File); ok {
		if wd, ht, err := term.GetSize(int(f.Fd())); err == nil && wd > 0 && ht > 0 {
			return wd, ht
		}
	}
	width, height = 120, 40
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		width = n
	}
	if n, err := strconv.Atoi(os.Getenv("LINES")); err == nil && n > 0 {
		height = n
	}
	return width, height
}

func idOrBlank(id uint64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatUint(id, 10)
}

// duration renders nanoseconds to three significant digits (whole
// seconds from a minute up).
func duration(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d <= 0:
		return "0"
	case d >= time.Minute:
		return d.Round(time.Second).String()
	}
	unit := time.Duration(1)
	for v := d; v >= 1000; v /= 10 {
		unit *= 10
	}
	return d.Round(unit).String()
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
	return strconv.FormatInt(n, 10)
}
