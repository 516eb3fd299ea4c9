package sim

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/httpx/retry"
	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// bigWorld is the world of issue 12's determinism line: an HTTP server
// host ("api", http.ListenAndServe with net/http swapped for httpx), a line-protocol counter
// service over raw netx TCP ("kv"), and 20 client tasks on main making
// GETs with Client.Timeout, GETs through the retry client against a
// flaky handler, line-protocol calls, sleeps and timers. It returns the
// world's log as text.
func bigWorld(t testing.TB, w *World) string { return scaledWorld(t, w, 1) }

// scaledWorld is bigWorld with every sleep, timeout and backoff of its
// scaled by scale.
func scaledWorld(t testing.TB, w *World, scale time.Duration) string {
	ms, sec := scale*time.Millisecond, scale*time.Second
	var flaky sync.Map // client -> attempts
	w.Host("api", func(ctx context.Context) error {
		mux := http.NewServeMux()
		mux.HandleFunc("/hello", func(rw http.ResponseWriter, r *http.Request) {
			iox.Sleep(time.Duration(len(r.URL.RawQuery)) * ms)
			fmt.Fprintf(rw, "hello %s", r.URL.Query().Get("who"))
		})
		mux.HandleFunc("/slow", func(rw http.ResponseWriter, r *http.Request) {
			iox.Sleep(2 * sec) // longer than the clients' Client.Timeout
			fmt.Fprint(rw, "late")
		})
		mux.HandleFunc("/flaky", func(rw http.ResponseWriter, r *http.Request) {
			who := r.URL.Query().Get("who")
			n, _ := flaky.LoadOrStore(who, new(int))
			*n.(*int)++
			if *n.(*int) < 3 {
				rw.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(rw, "ok at last")
		})
		return httpx.ListenAndServe(":80", mux) // http.ListenAndServe, swapped
	})
	w.Host("kv", func(ctx context.Context) error {
		l, err := netx.Listen("tcp", ":6379")
		if err != nil {
			return err
		}
		var mu sync.Mutex
		counts := map[string]int{}
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
					key := strings.TrimSpace(strings.TrimPrefix(line, "INCR "))
					mu.Lock()
					counts[key]++
					n := counts[key]
					mu.Unlock()
					fmt.Fprintf(c, ":%d\n", n)
				}
			})
		}
	})
	client := httpx.NewClient()
	client.Timeout = sec
	rc := retry.NewClient()
	rc.RetryWaitMin, rc.RetryWaitMax = 10*ms, 100*ms
	var out []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); out = append(out, s); mu.Unlock() }
	var tasks []*iox.Task
	for i := range 20 {
		tasks = append(tasks, iox.Spawn(func(ctx context.Context) error {
			who := strconv.Itoa(i)
			iox.Sleep(time.Duration(i%5) * ms)
			switch i % 4 {
			case 0:
				body, err := get(client, "http://api/hello?who="+who)
				note(fmt.Sprintf("%d: %q %v", i, body, err))
			case 1:
				_, err := get(client, "http://api/slow")
				note(fmt.Sprintf("%d: slow: timeout=%v", i, err != nil && strings.Contains(err.Error(), "Timeout")))
			case 2:
				resp, err := rc.Get("http://api/flaky?who=" + who)
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					note(fmt.Sprintf("%d: flaky %q", i, b))
				} else {
					note(fmt.Sprintf("%d: flaky %v", i, err))
				}
			case 3:
				c, err := dialRetry("kv:6379")
				if err != nil {
					return err
				}
				defer c.Close()
				r := bufio.NewReader(c)
				for range 3 {
					<-iox.After(ms) // a raw timer receive
					fmt.Fprintf(c, "INCR k\n")
					line, err := r.ReadString('\n')
					if err != nil {
						return err
					}
					note(fmt.Sprintf("%d: %s", i, strings.TrimSpace(line)))
				}
			}
			return nil
		}))
	}
	for _, tk := range tasks {
		if err := tk.Wait(); err != nil {
			t.Errorf("client: %v", err)
		}
	}
	client.CloseIdleConnections()
	rc.HTTPClient.CloseIdleConnections()
	return FormatEvents(w.Log()) + "\n" + strings.Join(out, "\n")
}

// get GETs url with c and returns the body.
func get(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// One seed, twenty runs: the same log, byte for byte. A hundred seeds: the
// order really varies.
func TestDeterminism(t *testing.T) {
	var first string
	runs := 20
	if testing.Short() {
		runs = 5
	}
	for i := range runs {
		var log string
		Test(t, 7, func(w *World) { log = bigWorld(t, w) })
		if t.Failed() {
			return
		}
		if i == 0 {
			first = log
			for _, want := range []string{"roundtrip", "GET api", "kv:6379", "slow: timeout=true", "flaky \"ok at last\"", "hello 0"} {
				if !strings.Contains(log, want) {
					t.Fatalf("the world's log lacks %q:\n%s", want, log)
				}
			}
			continue
		}
		if log != first {
			// COOP_DUMP=prefix writes both logs whole, for diff.
			if d := os.Getenv("COOP_DUMP"); d != "" {
				os.WriteFile(d+".a", []byte(first), 0o644)
				os.WriteFile(d+".b", []byte(log), 0o644)
			}
			a, b := strings.Split(first, "\n"), strings.Split(log, "\n")
			for j := range min(len(a), len(b)) {
				if a[j] != b[j] {
					t.Fatalf("run %d of seed 7 differs at line %d:\n%s\n%s", i, j, a[j], b[j])
				}
			}
			t.Fatalf("run %d of seed 7 has %d lines, the first %d", i, len(b), len(a))
		}
	}
	t.Logf("%d lines, identical in %d runs", strings.Count(first, "\n"), runs)
	seeds := 100
	if testing.Short() {
		seeds = 20
	}
	distinct := map[string]bool{}
	for seed := range uint64(seeds) {
		Test(t, seed, func(w *World) { distinct[bigWorld(t, w)] = true })
	}
	if len(distinct) < seeds/2 {
		t.Fatalf("%d seeds gave %d distinct logs, want at least %d", seeds, len(distinct), seeds/2)
	}
	t.Logf("%d seeds, %d distinct logs", seeds, len(distinct))
}
