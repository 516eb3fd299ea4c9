package live

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A filter is the q parameter of api/tasks, parsed: whitespace-separated
// terms, all of which a task must pass.
//
//	word             name, state, op, target or spawned contains word (any case), or id is word
//	field:text       that field contains text: name, state, op, target, spawned; id and parent are equal to it
//	field>v, field<v a number or duration compared: blocked, age, busy, idle (durations: 1s, 250ms), calls, bytes, errors
//	-term            the task does not pass term
//
// A term whose field is none of these is a plain word, so a target such as
// 10.0.0.3:443 can be typed as it is.
type filter []term

type term struct {
	neg   bool
	field string // "" for a plain word
	op    byte   // ':', '>' or '<'
	text  string // lower case, for ':' and plain words
	num   int64  // for '>' and '<', and id and parent
}

var (
	textFields = map[string]func(*row) string{
		"name":    func(r *row) string { return r.name },
		"state":   func(r *row) string { return r.state },
		"op":      func(r *row) string { return r.op },
		"target":  func(r *row) string { return r.target },
		"spawned": func(r *row) string { return r.spawned },
	}
	idFields = map[string]func(*row) uint64{
		"id":     func(r *row) uint64 { return r.id },
		"parent": func(r *row) uint64 { return r.parent },
	}
	durationFields = map[string]func(*row) time.Duration{
		"blocked": func(r *row) time.Duration { return r.blocked },
		"age":     func(r *row) time.Duration { return r.age },
		"busy":    func(r *row) time.Duration { return r.busy },
		"idle":    func(r *row) time.Duration { return r.idle },
	}
	countFields = map[string]func(*row) int64{
		"calls":  func(r *row) int64 { return r.calls },
		"bytes":  func(r *row) int64 { return r.bytes },
		"errors": func(r *row) int64 { return r.errors },
	}
)

// parseFilter parses q; a malformed comparison is an error naming it.
func parseFilter(q string) (filter, error) {
	var f filter
	for _, word := range strings.Fields(q) {
		t := term{}
		if len(word) > 1 && word[0] == '-' {
			t.neg, word = true, word[1:]
		}
		i := strings.IndexAny(word, ":<>")
		if i > 0 {
			field, rest := strings.ToLower(word[:i]), word[i+1:]
			t.field, t.op = field, word[i]
			switch {
			case t.op == ':' && textFields[field] != nil:
				t.text = strings.ToLower(rest)
				f = append(f, t)
				continue
			case t.op == ':' && idFields[field] != nil:
				n, err := strconv.ParseUint(rest, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("live: filter %q: %s wants a task id", word, field)
				}
				t.num = int64(n)
				f = append(f, t)
				continue
			case t.op != ':' && durationFields[field] != nil:
				d, err := time.ParseDuration(rest)
				if err != nil {
					return nil, fmt.Errorf("live: filter %q: %s wants a duration such as 1s or 250ms", word, field)
				}
				t.num = int64(d)
				f = append(f, t)
				continue
			case t.op != ':' && countFields[field] != nil:
				n, err := strconv.ParseInt(rest, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("live: filter %q: %s wants a number", word, field)
				}
				t.num = n
				f = append(f, t)
				continue
			}
		}
		t.field, t.op, t.text = "", 0, strings.ToLower(word)
		f = append(f, t)
	}
	return f, nil
}

// match reports whether r passes every term of f.
func (f filter) match(r *row) bool {
	for i := range f {
		if f[i].match(r) == f[i].neg {
			return false
		}
	}
	return true
}

func (t *term) match(r *row) bool {
	if t.field == "" {
		if strconv.FormatUint(r.id, 10) == t.text {
			return true
		}
		for _, get := range []func(*row) string{textFields["name"], textFields["state"], textFields["op"], textFields["target"], textFields["spawned"]} {
			if contains(get(r), t.text) {
				return true
			}
		}
		return false
	}
	if get := textFields[t.field]; get != nil {
		return contains(get(r), t.text)
	}
	if get := idFields[t.field]; get != nil {
		return get(r) == uint64(t.num)
	}
	var v int64
	if get := durationFields[t.field]; get != nil {
		v = int64(get(r))
	} else {
		v = countFields[t.field](r)
	}
	if t.op == '>' {
		return v > t.num
	}
	return v < t.num
}

// contains reports whether s contains lower, which is in lower case,
// ignoring case.
func contains(s, lower string) bool {
	if lower == "" {
		return true
	}
	for i := 0; i+len(lower) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(lower)], lower) {
			return true
		}
	}
	return false
}
