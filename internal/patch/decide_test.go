package patch

import (
	"slices"
	"strings"
	"testing"
)

// TestDecide checks the first verdicts on a build graph made up for it.
func TestDecide(t *testing.T) {
	mod := func(p string) *listModule { return &listModule{Path: p, Version: "v1.0.0"} }
	units := []*unit{
		{path: "net", std: true, imports: []string{"time"}},
		{path: CoopModule + "/netx", module: mod(CoopModule), imports: []string{"net"}},
		{path: "example.com/dep", module: mod("example.com/dep"), imports: []string{"fmt", "net", "time"}},
		{path: "example.com/cooped", module: mod("example.com/cooped"), imports: []string{"net/http"}},
		{path: "example.com/quiet", module: mod("example.com/quiet"), imports: []string{"fmt"}},
		{path: "example.com/skipme/x", module: mod("example.com/skipme"), imports: []string{"net"}},
		{path: "example.com/tls", module: mod("example.com/tls"), imports: []string{"crypto/tls"}},
	}
	s := &state{
		gr:   &graph{units: map[string]*unit{}},
		coop: &coopSide{deps: map[string]bool{"example.com/cooped": true}, has: map[string]bool{}},
		mod:  &modfilePlan{coopDir: "/coop"},
	}
	for _, u := range units {
		s.gr.units[u.path] = u
		s.gr.order = append(s.gr.order, u.path)
	}
	for _, sw := range Table {
		s.coop.has[sw.Coop] = !sw.Optional // a coop without tlsx
	}
	s.cfg.Skip.Set("example.com/skipme/...")
	var err error
	if s.swaps, err = s.chooseSwaps(); err != nil {
		t.Fatal(err)
	}
	if got := s.swaps.Paths(); !slices.Equal(got, []string{"net", "time", "net/http"}) {
		t.Errorf("swaps = %v, want net, time, net/http (no tlsx in this coop)", got)
	}
	s.decide()
	for _, tt := range []struct {
		path, verdict, reason string
		swapped               []string
	}{
		{"net", "std", "", []string{"time"}},
		{CoopModule + "/netx", "coop", "", []string{"net"}},
		{"example.com/dep", "swapped", "", []string{"net", "time"}},
		{"example.com/cooped", "left", coopDepReason, []string{"net/http"}},
		{"example.com/quiet", "unchanged", "", nil},
		{"example.com/skipme/x", "skipped", "-skip example.com/skipme/...", []string{"net"}},
		{"example.com/tls", "unchanged", "", nil},
	} {
		u := s.gr.units[tt.path]
		if u.verdict.String() != tt.verdict || !strings.HasPrefix(u.reason, tt.reason) || !slices.Equal(u.swapped, tt.swapped) {
			t.Errorf("%s: %s (%q) swapping %v; want %s (%q...) swapping %v", tt.path, u.verdict, u.reason, u.swapped, tt.verdict, tt.reason, tt.swapped)
		}
	}

	// With tlsx in the coop module, crypto/tls is swapped too; -swap chooses.
	s.coop.has[CoopModule+"/tlsx"] = true
	if s.swaps, err = s.chooseSwaps(); err != nil || !slices.Contains(s.swaps.Paths(), "crypto/tls") {
		t.Errorf("with tlsx: swaps = %v, %v; want crypto/tls among them", s.swaps.Paths(), err)
	}
	s.cfg.Swap = []string{"net/http"}
	if s.swaps, err = s.chooseSwaps(); err != nil || !slices.Equal(s.swaps.Paths(), []string{"net/http"}) {
		t.Errorf("-swap=net/http: swaps = %v, %v", s.swaps.Paths(), err)
	}
	s.cfg.Swap = []string{"os"}
	if _, err := s.chooseSwaps(); err == nil || !strings.Contains(err.Error(), `no drop-in for "os"`) {
		t.Errorf("-swap=os: %v, want an error naming it", err)
	}
	delete(s.coop.has, CoopModule+"/netx")
	s.cfg.Swap = nil
	if _, err := s.chooseSwaps(); err == nil || !strings.Contains(err.Error(), "has no package "+CoopModule+"/netx") {
		t.Errorf("a coop without netx: %v, want an error naming it", err)
	}
}

func TestProgramName(t *testing.T) {
	for _, tt := range []struct {
		pkgs []string
		want string
	}{
		{[]string{"."}, "main"},
		{[]string{"./cmd/server/"}, "server"},
		{[]string{"example.com/x/cmd/tool"}, "tool"},
		{[]string{"main.go", "util.go"}, "main"},
		{[]string{"serve.go"}, "serve"},
	} {
		if got := programName(tt.pkgs); got != tt.want {
			t.Errorf("programName(%q) = %q, want %q", tt.pkgs, got, tt.want)
		}
	}
}
