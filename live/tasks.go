package live

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// sortKeys are the fields api/tasks sorts by: a Task's JSON names, each
// with its comparison and whether it sorts in descending order when the
// desc parameter is not given (numbers: the largest first).
var sortKeys = map[string]struct {
	cmp  func(a, b *row) int
	desc bool
}{
	"id":         {func(a, b *row) int { return cmp.Compare(a.id, b.id) }, false},
	"name":       {func(a, b *row) int { return strings.Compare(a.name, b.name) }, false},
	"parent":     {func(a, b *row) int { return cmp.Compare(a.parent, b.parent) }, false},
	"state":      {func(a, b *row) int { return strings.Compare(a.state, b.state) }, false},
	"op":         {func(a, b *row) int { return strings.Compare(a.op, b.op) }, false},
	"target":     {func(a, b *row) int { return strings.Compare(a.target, b.target) }, false},
	"since":      {func(a, b *row) int { return a.since.Compare(b.since) }, false},
	"blocked_ns": {func(a, b *row) int { return cmp.Compare(a.blocked, b.blocked) }, true},
	"age_ns":     {func(a, b *row) int { return cmp.Compare(a.age, b.age) }, true},
	"busy_ns":    {func(a, b *row) int { return cmp.Compare(a.busy, b.busy) }, true},
	"idle_ns":    {func(a, b *row) int { return cmp.Compare(a.idle, b.idle) }, true},
	"calls":      {func(a, b *row) int { return cmp.Compare(a.calls, b.calls) }, true},
	"bytes":      {func(a, b *row) int { return cmp.Compare(a.bytes, b.bytes) }, true},
	"errors":     {func(a, b *row) int { return cmp.Compare(a.errors, b.errors) }, true},
	"spawned":    {func(a, b *row) int { return strings.Compare(a.spawned, b.spawned) }, false},
}

const (
	defaultSort  = "blocked_ns"
	defaultLimit = 500
	maxLimit     = 100000
)

// listQuery is the query of api/tasks, parsed.
type listQuery struct {
	sort          string
	desc          bool
	q             string
	filter        filter
	offset, limit int
}

// parseListQuery parses the parameters of api/tasks: sort (a Task field's
// JSON name), desc (true or false), q (a filter), offset and limit.
func parseListQuery(v url.Values) (listQuery, error) {
	lq := listQuery{sort: defaultSort, limit: defaultLimit, q: v.Get("q")}
	if s := v.Get("sort"); s != "" {
		lq.sort = s
	}
	key, ok := sortKeys[lq.sort]
	if !ok {
		names := make([]string, 0, len(sortKeys))
		for n := range sortKeys {
			names = append(names, n)
		}
		slices.Sort(names)
		return lq, fmt.Errorf("live: sort=%q: no such field (one of %s)", lq.sort, strings.Join(names, ", "))
	}
	lq.desc = key.desc
	if d := v.Get("desc"); d != "" {
		b, err := strconv.ParseBool(d)
		if err != nil {
			return lq, fmt.Errorf("live: desc=%q: want true or false", d)
		}
		lq.desc = b
	}
	var err error
	if lq.offset, err = intParam(v, "offset", 0, 0, 1<<31-1); err != nil {
		return lq, err
	}
	if lq.limit, err = intParam(v, "limit", defaultLimit, 1, maxLimit); err != nil {
		return lq, err
	}
	if lq.filter, err = parseFilter(lq.q); err != nil {
		return lq, err
	}
	return lq, nil
}

// intParam parses the integer parameter name, def if it is absent; it
// must lie in [lo, hi].
func intParam(v url.Values, name string, def, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("live: %s=%q: want a whole number from %d to %d", name, s, lo, hi)
	}
	return n, nil
}

// list sorts and filters rows, in a Snapshot's order, as lq says and
// returns the page; matched is the number of rows that pass the filter.
// It sorts pointers, so that a table of 10,000 tasks is sorted without
// moving rows.
func (lq listQuery) list(rows []row) (page []*row, matched int) {
	kept := make([]*row, 0, len(rows))
	for i := range rows {
		if lq.filter.match(&rows[i]) {
			kept = append(kept, &rows[i])
		}
	}
	// A Snapshot lists the longest blocked first, then the others by id:
	// the default order, which needs no sort.
	if lq.sort != defaultSort || !lq.desc {
		by := sortKeys[lq.sort].cmp
		slices.SortFunc(kept, func(a, b *row) int {
			c := by(a, b)
			if lq.desc {
				c = -c
			}
			return cmp.Or(c, cmp.Compare(a.id, b.id))
		})
	}
	if lq.offset >= len(kept) {
		return nil, len(kept)
	}
	end := min(len(kept), lq.offset+lq.limit)
	return kept[lq.offset:end], len(kept)
}

// task is the schema's form of r.
func (r *row) task() Task {
	t := Task{
		ID:        r.id,
		Name:      r.name,
		Parent:    r.parent,
		State:     r.state,
		Op:        r.op,
		Target:    r.target,
		BlockedNS: int64(r.blocked),
		AgeNS:     int64(r.age),
		BusyNS:    int64(r.busy),
		IdleNS:    int64(r.idle),
		Calls:     r.calls,
		Bytes:     r.bytes,
		Errors:    r.errors,
		Spawned:   r.spawned,
	}
	if !r.since.IsZero() {
		since := r.since
		t.Since = &since
	}
	return t
}

// tasksOf returns the schema's form of rows, never nil.
func tasksOf(rows []*row) []Task {
	out := make([]Task, len(rows))
	for i, r := range rows {
		out[i] = r.task()
	}
	return out
}
