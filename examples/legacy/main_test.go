package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The two checkers are the same file but for the import block: the whole
// point of the example is that swapping imports is all it takes.
func TestTwinsDifferOnlyInImports(t *testing.T) {
	strip := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		s = s[strings.Index(s, "\nimport ("):] // drop the package doc
		s = regexp.MustCompile(`(?s)import \(.*?\n\)`).ReplaceAllString(s, "import (...)")
		return s
	}
	if a, b := strip("plain/checker.go"), strip("swapped/checker.go"); a != b {
		t.Fatal("plain/checker.go and swapped/checker.go differ beyond their imports")
	}
}

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out, 1200*time.Millisecond); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Logf("\n%s", got)
	plain := regexp.MustCompile(`plain .* ran (\S+), past the scope, and saw "tcp: PONG, http: 200 OK ok"`).FindStringSubmatch(got)
	if plain == nil {
		t.Fatalf("the plain checker did not run to the end past the scope:\n%s", got)
	}
	if d, _ := time.ParseDuration(plain[1]); d < 2*1200*time.Millisecond {
		t.Errorf("the plain checker took %v, less than the server's two stalls", d)
	}
	swapped := regexp.MustCompile(`swapped .* under a 300ms scope: timed out after (\S+)\n`).FindStringSubmatch(got)
	if swapped == nil {
		t.Fatalf("the swapped checker did not time out:\n%s", got)
	}
	if d, _ := time.ParseDuration(swapped[1]); d >= 1200*time.Millisecond {
		t.Errorf("the swapped checker timed out after %v, not at the scope", d)
	}
	if !strings.Contains(got, "killed mid-check") || !strings.Contains(got, "iox: task killed: shutting down") {
		t.Errorf("no kill line:\n%s", got)
	}
}
