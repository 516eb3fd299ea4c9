package patch

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTLSHandshakeKilled runs an unmodified program that dials with
// crypto/tls, under coop run with its default swaps: crypto/tls is
// swapped for tlsx, so the handshake with a server that never answers is
// a blocking call the Snapshot shows, with the server's name, and a kill
// ends it.
func TestTLSHandshakeKilled(t *testing.T) {
	t.Parallel()
	addr := silentServer(t)
	dir := t.TempDir()
	copyTree(t, "testdata/tlsdial", dir)

	r := startRun(t, dir, ".", addr)
	if line, ok := r.stdout.waitFor("dialing"); !ok {
		t.Fatalf("the program did not get to tls.Dial: %q\n%s", line, r.stderr.all())
	}
	v := mustVerdict(t, parseReport(r.stderr.all()), "example.com/tlsdial")
	if v.Verdict != "swapped" || !strings.Contains(v.Reason, "crypto/tls") {
		t.Errorf("the program is %s %s, want swapped with crypto/tls among its swaps", v.Verdict, v.Reason)
	}

	snap := get(t, r.ctx, r.control+"/snapshot?until=handshake")
	t.Logf("the Snapshot while the program waits in the handshake:\n%s", snap)
	if !hasTaskLine(snap, "main", "blocked", "handshake", "silent.example") {
		t.Errorf("the Snapshot does not show task main blocked in the handshake with silent.example")
	}

	start := time.Now()
	post(t, r.ctx, r.control+"/kill")
	line, ok := r.stdout.waitFor("tls.Dial:")
	took := time.Since(start)
	if !ok {
		t.Fatalf("tls.Dial did not return after the kill")
	}
	t.Logf("kill to tls.Dial's return, as the program saw it: %v; it returned %q", took, line)
	if !strings.Contains(line, "iox: task killed") || !strings.Contains(line, "killed through COOP_CONTROL") {
		t.Errorf("tls.Dial returned %q, want the kill's error", line)
	}
	if err := r.wait(); err != nil {
		t.Errorf("coop run: %v", err)
	}
}

// silentServer listens on 127.0.0.1, accepts connections and never
// writes to them, and returns its address; it stops with the test.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}
