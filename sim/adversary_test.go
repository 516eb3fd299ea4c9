package sim

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// advRuns is how many times each adversary world is replayed with one seed.
func advRuns() int {
	if testing.Short() {
		return 4
	}
	return 10
}

// sameLog runs fn in worlds of one seed, runs times, and fails t if two
// runs give different logs (the world's Log as text, then what fn
// returns).
func sameLog(t *testing.T, seed uint64, runs int, fn func(w *World) string) string {
	t.Helper()
	var first string
	for i := range runs {
		var log string
		Test(t, seed, func(w *World) { out := fn(w); log = FormatEvents(w.Log()) + "\n" + out })
		if t.Failed() {
			return first
		}
		if i == 0 {
			first = log
			continue
		}
		if log != first {
			if d := os.Getenv("COOP_DUMP"); d != "" {
				os.WriteFile(d+".a", []byte(first), 0o644)
				os.WriteFile(d+".b", []byte(log), 0o644)
			}
			a, b := strings.Split(first, "\n"), strings.Split(log, "\n")
			for j := range min(len(a), len(b)) {
				if a[j] != b[j] {
					t.Fatalf("run %d of seed %d differs at line %d:\n%s\n%s", i, seed, j, a[j], b[j])
				}
			}
			t.Fatalf("run %d of seed %d has %d lines, the first %d", i, seed, len(b), len(a))
		}
	}
	return first
}

// lineEcho starts host name answering each line on port with "name:line".
func lineEcho(w *World, name, port string) {
	w.Host(name, func(ctx context.Context) error {
		l, err := netx.Listen("tcp", ":"+port)
		if err != nil {
			return err
		}
		for {
			c, err := l.Accept()
			if err != nil {
				return err
			}
			iox.Spawn(func(ctx context.Context) error {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return nil
					}
					fmt.Fprintf(c, "%s:%s", name, line)
				}
			})
		}
	})
}

// call writes line to c and reads one line back.
func call(c net.Conn, r *bufio.Reader, line string) (string, error) {
	if _, err := fmt.Fprintf(c, "%s\n", line); err != nil {
		return "", err
	}
	s, err := r.ReadString('\n')
	return strings.TrimSpace(s), err
}

// Raw goroutines made in a loop, same entry function, each dialing and
// calling: their names (and so the seed's choice among them) must not
// depend on which the machine ran first.
func TestAdvRawSiblings(t *testing.T) {
	sameLog(t, 11, advRuns(), func(w *World) string {
		lineEcho(w, "db", "7")
		var mu sync.Mutex
		var out []string
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := dialRetry("db:7")
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				s, err := call(c, bufio.NewReader(c), strings.Repeat("x", i+1))
				mu.Lock()
				out = append(out, fmt.Sprint(s, err))
				mu.Unlock()
			}()
		}
		wg.Wait()
		return strings.Join(out, "\n")
	})
}

var _ = io.EOF
var _ = time.Second
