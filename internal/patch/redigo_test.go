package patch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRedigoBlockedCallKilled runs an unmodified program that uses
// gomodule/redigo, a Redis client coop knows nothing of, against a
// redis-server of the test's own, under coop run: the program waits in
// BLPOP on a list nobody pushes to; the Snapshot shows its main task
// blocked in a read on the server's address, and a kill ends the call in
// the library, which returns the kill's error to the program.
func TestRedigoBlockedCallKilled(t *testing.T) {
	t.Parallel()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (apt-get install -y redis-server): the program needs a Redis to block on")
	}
	addr := startRedis(t, server)
	dir := t.TempDir()
	copyTree(t, "testdata/redigo", dir)
	before := treeDigest(t, dir)

	r := startRun(t, dir, ".", addr)
	stdout, stderr, control, ctx := r.stdout, r.stderr, r.control, r.ctx

	if line, ok := stdout.waitFor("waiting"); !ok {
		t.Fatalf("the program did not get to BLPOP: %q", line)
	}
	if v := mustVerdict(t, parseReport(stderr.all()), "github.com/gomodule/redigo/redis"); v.Verdict != "swapped" {
		t.Errorf("redigo is %s, want swapped", v.Verdict)
	}

	snap := get(t, ctx, control+"/snapshot?until=read")
	t.Logf("the Snapshot while the program waits in BLPOP:\n%s", snap)
	if !hasTaskLine(snap, "main", "blocked", "read", addr) {
		t.Errorf("the Snapshot does not show task main blocked in a read on %s", addr)
	}

	start := time.Now()
	post(t, ctx, control+"/kill")
	line, ok := stdout.waitFor("BLPOP:")
	took := time.Since(start)
	if !ok {
		t.Fatalf("BLPOP did not return after the kill")
	}
	t.Logf("kill to BLPOP's return, as the program saw it: %v; it returned %q", took, line)
	if !strings.Contains(line, "iox: task killed") || !strings.Contains(line, "killed through COOP_CONTROL") {
		t.Errorf("BLPOP returned %q, want the kill's error", line)
	}
	if err := r.wait(); err != nil {
		t.Errorf("coop run: %v", err)
	}
	if after := treeDigest(t, dir); after != before {
		t.Errorf("coop run changed the program's files on disk")
	}
}

// A run is a coop run of a program under test, with COOP_CONTROL on.
type run struct {
	stdout, stderr *lines
	control        string          // the control endpoint's URL
	ctx            context.Context // ends when the test does, or after 2 minutes
	done           chan error      // Run's outcome
	err            error
	finished       bool
}

// startRun starts coop run -report on the program in dir with args, and
// waits for its control address. The run ends with the test, if the
// test did not wait for it.
func startRun(t *testing.T, dir string, args ...string) *run {
	t.Helper()
	r := &run{stdout: newLines(), stderr: newLines(), done: make(chan error, 1)}
	cfg := testConfig(t, dir, "run", nil, nil, args...)
	cfg.Stdout, cfg.Stderr = r.stdout, r.stderr
	cfg.Report = true
	cfg.Env = append(cfg.Env, "COOP_CONTROL=127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	r.ctx = ctx
	go func() {
		code, err := Run(ctx, cfg)
		if err == nil && code != 0 {
			err = fmt.Errorf("exit code %d", code)
		}
		r.stdout.Close()
		r.stderr.Close()
		r.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		r.wait()
	})
	control, ok := r.stderr.waitFor("coop: control at ")
	if !ok {
		t.Fatalf("the program printed no control address; coop said:\n%s", r.stderr.all())
	}
	r.control = strings.TrimPrefix(control, "coop: control at ")
	return r
}

// wait waits for the run to end and returns its error.
func (r *run) wait() error {
	if !r.finished {
		r.err, r.finished = <-r.done, true
	}
	return r.err
}

// startRedis starts redis-server on a free port of 127.0.0.1, with
// nothing saved, and returns its address once it accepts connections.
func startRedis(t *testing.T, server string) string {
	t.Helper()
	for attempt := 0; ; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "")
		out := newLines()
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() {
			cmd.Wait()
			out.Close()
			close(exited)
		}()
		if _, ok := out.waitFor("Ready to accept connections"); ok {
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		}
		cmd.Process.Kill()
		<-exited
		if attempt == 3 {
			t.Fatalf("redis-server did not start:\n%s", out.all())
		}
	}
}

// lines is an io.Writer that keeps what is written, by line, for a
// reader that waits for a line; it never blocks the writer.
type lines struct {
	mu     sync.Mutex
	cond   sync.Cond
	done   []string // complete lines
	part   []byte   // the line being written
	closed bool
	next   int // the next line waitFor reads
}

func newLines() *lines {
	l := &lines{}
	l.cond.L = &l.mu
	return l
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		l.done = append(l.done, string(l.part[:i]))
		l.part = l.part[i+1:]
	}
	l.cond.Broadcast()
	return len(p), nil
}

// Close ends the lines: waitFor then fails once it has read them all.
func (l *lines) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.part) > 0 {
		l.done = append(l.done, string(l.part))
		l.part = nil
	}
	l.closed = true
	l.cond.Broadcast()
	return nil
}

// waitFor waits for the next line that contains s, and returns it; ok is
// false if the lines were closed first.
func (l *lines) waitFor(s string) (line string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		for l.next < len(l.done) {
			line = l.done[l.next]
			l.next++
			if strings.Contains(line, s) {
				return line, true
			}
		}
		if l.closed {
			return "", false
		}
		l.cond.Wait()
	}
}

// all returns every line written so far.
func (l *lines) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.done, "\n") + string(l.part)
}

func get(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	return request(t, ctx, http.MethodGet, url)
}

func post(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	return request(t, ctx, http.MethodPost, url)
}

func request(t *testing.T, ctx context.Context, method, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s %v\n%s", method, url, resp.Status, err, b)
	}
	return string(b)
}

// hasTaskLine reports whether a Snapshot's table has a line with every word.
func hasTaskLine(snapshot string, words ...string) bool {
	for _, l := range strings.Split(snapshot, "\n") {
		fields := strings.Fields(l)
		all := true
		for _, w := range words {
			all = all && containsWord(fields, w)
		}
		if all {
			return true
		}
	}
	return false
}

func containsWord(fields []string, w string) bool {
	for _, f := range fields {
		if f == w {
			return true
		}
	}
	return false
}

// parseReport reads back what Report.Write printed.
func parseReport(text string) Report {
	var r Report
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && !strings.HasPrefix(l, "coop:") && strings.HasPrefix(l, "  ") {
			r = append(r, Verdict{Path: f[1], Verdict: f[0], Reason: strings.Join(f[2:], " ")})
		}
	}
	return r
}
