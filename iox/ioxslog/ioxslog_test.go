package ioxslog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxslog"
	"github.com/coop-go/coop/netx"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// jsonLog is a slog JSON handler's output, safe for concurrent use.
type jsonLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (j *jsonLog) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.buf.Write(p)
}

// records returns the logged records whose message is msg.
func (j *jsonLog) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(j.buf.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

func TestLevels(t *testing.T) {
	log := &jsonLog{}
	l := slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := iox.New(iox.WithObserver(ioxslog.New(l)))
	defer s.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := closed.Addr().String()
	closed.Close()

	blocked := make(chan struct{})
	tk := s.Go(func(ctx context.Context) error {
		iox.Sleep(time.Millisecond) // Debug
		c, err := netx.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		c.Write([]byte("hi")) // Debug, 2 bytes
		err = iox.Timeout(time.Millisecond, func() error {
			_, err := c.Read(make([]byte, 1)) // Warn: timed out
			return err
		})
		if !errors.Is(err, iox.ErrTimeout) {
			return err
		}
		netx.Dial("tcp", refused) // Warn: failed
		close(blocked)
		_, err = c.Read(make([]byte, 1)) // Warn: killed
		return err
	}).SetName("logger")
	<-blocked
	for st, _ := s.Snapshot().Task(tk.ID()); st.State != iox.Blocked; st, _ = s.Snapshot().Task(tk.ID()) {
		runtime.Gosched()
	}
	tk.Kill(errors.New("enough"))
	tk.Wait()
	ln.Close()
	if c := <-accepted; c != nil {
		c.Close()
	}

	check := func(msg, level, op, target string, extra func(r map[string]any) bool) {
		t.Helper()
		rs := log.records(t, msg)
		for _, r := range rs {
			task, _ := r["task"].(map[string]any)
			if r["level"] == level && r["op"] == op && (target == "" || r["target"] == target) &&
				task["name"] == "logger" && task["id"] == float64(tk.ID()) && r["duration"] != nil && (extra == nil || extra(r)) {
				return
			}
		}
		t.Errorf("no %s record %q for %s %s among %v", level, msg, op, target, rs)
	}
	check("coop: call", "DEBUG", "sleep", "", func(r map[string]any) bool { return r["target"] == nil && r["err"] == nil })
	check("coop: call", "DEBUG", "dial", addr, nil)
	check("coop: call", "DEBUG", "write", addr, func(r map[string]any) bool { return r["bytes"] == float64(2) })
	check("coop: call timed out", "WARN", "read", addr, func(r map[string]any) bool { return r["err"] == "iox: timeout" })
	check("coop: call failed", "WARN", "dial", refused, func(r map[string]any) bool { return strings.Contains(r["err"].(string), "refused") })
	check("coop: call cut short by a kill", "WARN", "read", addr, func(r map[string]any) bool { return r["err"] == "iox: task killed: enough" })
}

func TestStallIsError(t *testing.T) {
	log := &jsonLog{}
	l := slog.New(slog.NewJSONHandler(log, nil)) // Info: the debug records are not made
	stalled := make(chan struct{}, 1)
	var stop atomic.Bool
	s := iox.New(iox.WithMode(iox.Cooperative), iox.WithMaxBlocking(20*time.Millisecond),
		iox.WithObserver(ioxslog.New(l)),
		iox.WithObserver(iox.ObserverFunc(func(e iox.Event) {
			if e.Kind == iox.OpStall {
				select {
				case stalled <- struct{}{}:
				default:
				}
			}
		})))
	defer s.Close()
	hog := s.Go(func(ctx context.Context) error {
		iox.Sleep(time.Microsecond) // at Debug: not logged
		for !stop.Load() {
			runtime.Gosched()
		}
		return nil
	}).SetName("hog")
	<-stalled
	stop.Store(true)
	hog.Wait()
	if rs := log.records(t, "coop: call"); len(rs) != 0 {
		t.Errorf("debug records at level Info: %v", rs)
	}
	rs := log.records(t, "coop: task held the turn without a blocking call")
	if len(rs) == 0 {
		t.Fatal("no record of the stall")
	}
	r := rs[0]
	task, _ := r["task"].(map[string]any)
	if r["level"] != "ERROR" || task["name"] != "hog" || !strings.Contains(r["stack"].(string), "TestStallIsError") || r["duration"].(float64) < float64(20*time.Millisecond) {
		t.Errorf("stall record %v, want an ERROR for the hog with its stack", r)
	}
}

// A record a logger does not want costs no allocation.
func TestDisabledLevelAllocatesNothing(t *testing.T) {
	o := ioxslog.New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := iox.Event{Kind: iox.OpRead, Target: "10.0.0.3:443", Start: time.Now(), Duration: time.Millisecond, Bytes: 100}
	if n := testing.AllocsPerRun(100, func() { o.Observe(e) }); n != 0 {
		t.Errorf("a Debug event at level Info allocates %v times", n)
	}
}

func TestNilIsDefault(t *testing.T) {
	log := &jsonLog{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(log, nil)))
	defer slog.SetDefault(old)
	ioxslog.New(nil).Observe(iox.Event{Kind: iox.OpDial, Target: "db:5432", Err: errors.New("no route")})
	if rs := log.records(t, "coop: call failed"); len(rs) != 1 || rs[0]["target"] != "db:5432" || rs[0]["task"] != nil {
		t.Errorf("records %v, want the failed dial, with no task", rs)
	}
}
