package iox

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Below the door there is one clock: no file of iox, netx or httpx (tests
// and generated forwards aside) reads package time's clock or timers, or
// internal/tick, but the clocks' own files: the real clock's, and the
// Simulated scheduler's (the bubble's virtual time).
func TestOneClockBelowTheDoor(t *testing.T) {
	forbidden := regexp.MustCompile(`\btime\.(Now|Since|Until|NewTimer|NewTicker|AfterFunc|Sleep|After|Tick)\(|\btick\.[A-Z]\w*\(|"github.com/coop-go/coop/internal/tick"`)
	var bad []string
	for _, dir := range []string{".", "../netx", "../httpx", "../httpx/retry"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			base := filepath.Base(f)
			if strings.HasSuffix(base, "_test.go") || strings.HasPrefix(base, "zz_") || (dir == "." && (base == "realclock.go" || base == "simclock.go")) {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(src), "\n") {
				code, _, _ := strings.Cut(line, "//")
				if forbidden.MatchString(code) {
					bad = append(bad, filepath.Join(dir, base)+":"+itoa(i+1)+": "+strings.TrimSpace(line))
				}
			}
		}
	}
	if len(bad) > 0 {
		t.Fatalf("the machine's clock read below the door, outside the clocks' files:\n%s", strings.Join(bad, "\n"))
	}
}

func itoa(i int) string {
	b := []byte{}
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
