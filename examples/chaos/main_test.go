package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// lines is an io.Writer that hands each line written to a channel, and
// keeps them all.
type lines struct {
	mu   sync.Mutex
	buf  strings.Builder
	all  []string
	each chan string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		s := l.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		l.all = append(l.all, s[:i])
		select {
		case l.each <- s[:i]:
		default: // nobody waits for more
		}
		l.buf.Reset()
		l.buf.WriteString(s[i+1:])
	}
	return len(p), nil
}

// One HTTP request to the running program's fault handler adds a latency
// toxic, and the program's next pings show it: slower, and saying the
// delay is the toxic's.
func TestLatencyAddedOverHTTP(t *testing.T) {
	out := &lines{each: make(chan string, 64)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, config{debug: "127.0.0.1:0", every: 10 * time.Millisecond}, out) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	next := func(re string) []string {
		t.Helper()
		m := regexp.MustCompile(re)
		for {
			select {
			case l := <-out.each:
				if s := m.FindStringSubmatch(l); s != nil {
					return s
				}
			case err := <-done:
				t.Fatalf("run ended (%v) before a line matching %s", err, re)
			case <-time.After(30 * time.Second):
				t.Fatalf("no line matching %s", re)
			}
		}
	}
	cmd := next(`curl -d '(.*)' (http://\S+)`)
	next(`^ping 2: `)
	resp, err := http.Post(cmd[2], "application/json", strings.NewReader(cmd[1]))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: %s", cmd[2], resp.Status)
	}
	s := next(`^ping \d+: (\S+) \(latency_downstream: \+(\S+)\)`)
	rtt, err1 := time.ParseDuration(s[1])
	delay, err2 := time.ParseDuration(s[2])
	if err1 != nil || err2 != nil || delay < 100*time.Millisecond || rtt < delay {
		t.Fatalf("%q: want a round trip of at least the toxic's added delay, of at least 100ms", s[0])
	}
	reset := strings.TrimSuffix(cmd[2], "toxics") + "reset"
	if resp, err := http.Post(reset, "", nil); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST %s: %v %v", reset, resp, err)
	} else {
		resp.Body.Close()
	}
	next(`^ping \d+: [0-9.]+(µs|ms)$`) // the toxic is gone
	out.mu.Lock()
	t.Logf("\n%s", strings.Join(out.all, "\n"))
	out.mu.Unlock()
}
