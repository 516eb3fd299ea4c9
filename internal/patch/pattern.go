package patch

import (
	"regexp"
	"strings"
)

// Patterns is a list of import path patterns, as the go command takes
// them: "..." matches any string, and a pattern ending in "/..." also
// matches the path before it ("net/..." matches "net"). The zero value
// matches nothing. Set makes it a flag.Value that takes a comma-separated
// list and may be given more than once.
type Patterns struct {
	list []string
	res  []*regexp.Regexp
}

// Set adds the comma-separated patterns in s.
func (p *Patterns) Set(s string) error {
	for _, pat := range strings.Split(s, ",") {
		if pat = strings.TrimSpace(pat); pat != "" {
			p.list = append(p.list, pat)
			p.res = append(p.res, compilePattern(pat))
		}
	}
	return nil
}

// String returns the patterns, comma-separated.
func (p *Patterns) String() string { return strings.Join(p.list, ",") }

// Empty reports whether p has no pattern.
func (p *Patterns) Empty() bool { return len(p.list) == 0 }

// Match returns the first pattern that path matches, and whether there is one.
func (p *Patterns) Match(path string) (string, bool) {
	for i, re := range p.res {
		if re.MatchString(path) {
			return p.list[i], true
		}
	}
	return "", false
}

func compilePattern(pat string) *regexp.Regexp {
	re := regexp.QuoteMeta(pat)
	re = strings.ReplaceAll(re, `\.\.\.`, `.*`)
	if strings.HasSuffix(re, `/.*`) {
		re = strings.TrimSuffix(re, `/.*`) + `(/.*)?`
	}
	return regexp.MustCompile(`^` + re + `$`)
}
