package httpx

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// benchServer serves a 1 KiB body on loopback.
func benchServer(b *testing.B) *httptest.Server {
	body := strings.Repeat("x", 1024)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// get fetches url and reads its body to the end.
func get(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// BenchmarkGET makes 100 workers do 100 GETs each of a 1 KiB body from a
// loopback server, per iteration, and reports requests per second: the
// workers are goroutines with net/http's Transport, or tasks (of a Free
// or a Cooperative scheduler) with httpx's, with keep-alive on and off.
// gevent's http_2proc does the same with 100 greenlets and urllib.
func BenchmarkGET(b *testing.B) {
	const workers, each = 100, 100
	for _, keep := range []string{"keepalive", "nokeepalive"} {
		for _, client := range []string{"net-http", "httpx-free", "httpx-coop"} {
			b.Run("conn="+keep+"/client="+client, func(b *testing.B) {
				srv := benchServer(b)
				off := keep == "nokeepalive"
				var rt http.RoundTripper
				if client == "net-http" {
					rt = &http.Transport{MaxIdleConnsPerHost: workers, DisableKeepAlives: off}
				} else {
					rt = &Transport{MaxIdleConnsPerHost: workers, DisableKeepAlives: off}
				}
				c := &http.Client{Transport: rt}
				defer c.CloseIdleConnections()
				var s *iox.Scheduler
				switch client {
				case "httpx-free":
					s = iox.New()
				case "httpx-coop":
					s = iox.New(iox.WithMode(iox.Cooperative))
				}
				if s != nil {
					defer s.Close()
				}
				work := func() error {
					for range each {
						if err := get(c, srv.URL); err != nil {
							return err
						}
					}
					return nil
				}
				b.ResetTimer()
				for range b.N {
					if s == nil {
						var wg sync.WaitGroup
						errs := make(chan error, workers)
						for range workers {
							wg.Go(func() { errs <- work() })
						}
						wg.Wait()
						close(errs)
						for err := range errs {
							if err != nil {
								b.Fatal(err)
							}
						}
						continue
					}
					tasks := make([]*iox.Task, workers)
					for i := range tasks {
						tasks[i] = s.Go(func(ctx context.Context) error { return work() })
					}
					for _, tk := range tasks {
						if err := tk.Wait(); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.N*workers*each)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}

// memTransport answers every request at once from memory with a 1 KiB
// body: a base transport that costs next to nothing, so that what httpx
// adds to a request shows.
type memTransport struct{ body []byte }

func (m memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode:    200,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		ContentLength: int64(len(m.body)),
		Body:          io.NopCloser(bytes.NewReader(m.body)),
		Request:       req,
	}, nil
}

// BenchmarkOverhead measures what httpx adds to a request, CPU and
// allocations, over a base transport that answers from memory: the
// request as an http.Client makes it straight to the base, and through
// httpx's round tripper on a plain goroutine (nothing in force), in a
// task of a Free scheduler, and in a task of an observed scheduler.
func BenchmarkOverhead(b *testing.B) {
	base := memTransport{body: bytes.Repeat([]byte("x"), 1024)}
	cases := []struct {
		name           string
		httpx          bool
		task, observed bool
	}{
		{"net-http", false, false, false},
		{"httpx-plain", true, false, false},
		{"httpx-task", true, true, false},
		{"httpx-task-observed", true, true, true},
	}
	for _, tc := range cases {
		b.Run("client="+tc.name, func(b *testing.B) {
			var rt http.RoundTripper = base
			if tc.httpx {
				rt = &roundTripper{base: base}
			}
			c := &http.Client{Transport: rt}
			loop := func() error {
				for range b.N {
					if err := get(c, "http://mem.test/x"); err != nil {
						return err
					}
				}
				return nil
			}
			var opts []iox.Option
			if tc.observed {
				opts = append(opts, iox.WithObserver(iox.ObserverFunc(func(iox.Event) {})))
			}
			s := iox.New(opts...)
			defer s.Close()
			b.ReportAllocs()
			b.ResetTimer()
			var err error
			if tc.task {
				err = s.Go(func(ctx context.Context) error { return loop() }).Wait()
			} else {
				err = loop()
			}
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkRequestPair measures what httpx adds to a real request, with
// the drift and the ordering effects of a shared machine taken out: each
// op makes one sequential keep-alive GET of a 1 KiB body through
// net/http's Transport and one through httpx's, alternating which goes
// first, on the same goroutine (a plain one, or a task of a Free
// scheduler, observed or not), and reports the time of each and their
// difference in percent. With ctx=task both requests carry the task's
// context, as context-aware code makes them.
func BenchmarkRequestPair(b *testing.B) {
	cases := []struct {
		name                    string
		task, taskCtx, observed bool
	}{
		{"plain", false, false, false},
		{"task", true, false, false},
		{"task/ctx=task", true, true, false},
		{"task/observed", true, false, true},
	}
	for _, tc := range cases {
		b.Run("goroutine="+tc.name, func(b *testing.B) {
			srv := benchServer(b)
			base := &http.Client{Transport: &http.Transport{}}
			coop := &http.Client{Transport: &Transport{}}
			defer base.CloseIdleConnections()
			defer coop.CloseIdleConnections()
			var opts []iox.Option
			if tc.observed {
				opts = append(opts, iox.WithObserver(iox.ObserverFunc(func(iox.Event) {})))
			}
			s := iox.New(opts...)
			defer s.Close()
			var baseNS, coopNS int64
			ctx := context.Background()
			timed := func(c *http.Client, total *int64) error {
				start := time.Now()
				req, err := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
				if err != nil {
					return err
				}
				resp, err := c.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				*total += int64(time.Since(start))
				return err
			}
			loop := func() error {
				if err := timed(base, &baseNS); err != nil { // dial outside the loop
					return err
				}
				if err := timed(coop, &coopNS); err != nil {
					return err
				}
				baseNS, coopNS = 0, 0
				b.ResetTimer()
				for i := range b.N {
					first, second := base, coop
					t1, t2 := &baseNS, &coopNS
					if i%2 == 1 {
						first, second, t1, t2 = coop, base, &coopNS, &baseNS
					}
					if err := timed(first, t1); err != nil {
						return err
					}
					if err := timed(second, t2); err != nil {
						return err
					}
				}
				return nil
			}
			var err error
			if tc.task {
				err = s.Go(func(tctx context.Context) error {
					if tc.taskCtx {
						ctx = tctx
					}
					return loop()
				}).Wait()
			} else {
				err = loop()
			}
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(baseNS)/float64(b.N), "nethttp-ns/req")
			b.ReportMetric(float64(coopNS)/float64(b.N), "httpx-ns/req")
			b.ReportMetric(100*float64(coopNS-baseNS)/float64(baseNS), "overhead-%")
		})
	}
}
