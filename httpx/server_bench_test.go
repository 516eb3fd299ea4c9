package httpx

import (
	"bufio"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// BenchmarkServer is a server under 64 concurrent keep-alive clients on
// loopback, small responses: net/http's own, the same http.Server with
// PatchServer (a task per request, conns from package net), and httpx's
// Server (a task per request, conns from netx), and gevent's WSGIServer
// in a process of its own (bench/gevent/gbench.py wsgi_server; skipped
// without /usr/bin/python3 and gevent); req/s is the figure.
func BenchmarkServer(b *testing.B) {
	const clients = 64
	hello := []byte("hello, world\n")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(hello) })
	quiet := log.New(io.Discard, "", 0)
	cases := []struct {
		name  string
		serve func(b *testing.B) (addr string, stop func())
	}{
		{"net-http", func(b *testing.B) (string, func()) {
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			srv := &http.Server{Handler: handler, ErrorLog: quiet}
			go srv.Serve(l)
			return l.Addr().String(), func() { srv.Close() }
		}},
		{"PatchServer", func(b *testing.B) (string, func()) {
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			srv := &http.Server{Handler: handler, ErrorLog: quiet}
			PatchServer(srv)
			go srv.Serve(l)
			return l.Addr().String(), func() { srv.Close() }
		}},
		{"httpx-Server", func(b *testing.B) (string, func()) {
			l, _ := netx.Listen("tcp", "127.0.0.1:0")
			srv := &Server{Handler: handler, ErrorLog: quiet}
			s := iox.New()
			done := s.Go(func(ctx context.Context) error { return srv.Serve(l) })
			return l.Addr().String(), func() { srv.Close(); done.Wait(); s.Close() }
		}},
		{"gevent-WSGIServer", geventServer},
	}
	for _, tc := range cases {
		b.Run("server="+tc.name, func(b *testing.B) {
			addr, stop := tc.serve(b)
			defer stop()
			tr := &http.Transport{MaxIdleConnsPerHost: clients}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			url := "http://" + addr + "/"
			var left atomic.Int64
			left.Store(int64(b.N))
			var wg sync.WaitGroup
			b.ResetTimer()
			for range clients {
				wg.Go(func() {
					for left.Add(-1) >= 0 {
						resp, err := c.Get(url)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// geventServer starts bench/gevent/gbench.py's wsgi_server.
func geventServer(b *testing.B) (string, func()) {
	script := "../bench/gevent/gbench.py"
	if _, err := os.Stat(script); err != nil {
		b.Skip("no gbench.py")
	}
	cmd := exec.Command("/usr/bin/python3", script, "wsgi_server")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Skip("no python3: ", err)
	}
	port, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		b.Skip("gbench.py wsgi_server did not start (is gevent installed?)")
	}
	return "127.0.0.1:" + strings.TrimSpace(port), func() { cmd.Process.Kill(); cmd.Wait() }
}

// BenchmarkServerPair takes the shared machine's drift out of
// BenchmarkServer: a net/http server and a task-per-request server
// (httpx's Server, or PatchServer) run side by side, and each of 64
// keep-alive clients alternates one request to each, which goes first
// alternating too; the figure is the ratio of the time their requests
// took, tasks over plain, which is plain's req/s over theirs under the
// same load (1.05: 5% slower).
func BenchmarkServerPair(b *testing.B) {
	const clients = 64
	hello := []byte("hello, world\n")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(hello) })
	quiet := log.New(io.Discard, "", 0)
	plain := func() (string, func()) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		srv := &http.Server{Handler: handler, ErrorLog: quiet}
		go srv.Serve(l)
		return l.Addr().String(), func() { srv.Close() }
	}
	for _, tc := range []struct {
		name  string
		tasks func() (string, func())
	}{
		{"httpx-Server", func() (string, func()) {
			l, _ := netx.Listen("tcp", "127.0.0.1:0")
			srv := &Server{Handler: handler, ErrorLog: quiet}
			s := iox.New()
			done := s.Go(func(ctx context.Context) error { return srv.Serve(l) })
			return l.Addr().String(), func() { srv.Close(); done.Wait(); s.Close() }
		}},
		{"PatchServer", func() (string, func()) {
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			srv := &http.Server{Handler: handler, ErrorLog: quiet}
			PatchServer(srv)
			go srv.Serve(l)
			return l.Addr().String(), func() { srv.Close() }
		}},
	} {
		b.Run("server="+tc.name, func(b *testing.B) {
			pa, stopA := plain()
			defer stopA()
			ta, stopB := tc.tasks()
			defer stopB()
			tr := &http.Transport{MaxIdleConnsPerHost: clients}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			urls := [2]string{"http://" + pa + "/", "http://" + ta + "/"}
			one := func(url string) {
				resp, err := c.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			var left atomic.Int64
			left.Store(int64(b.N))
			var took [2]atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range clients {
				wg.Go(func() {
					for i := 0; left.Add(-1) >= 0; i++ {
						for k := range 2 {
							j := (i + k) % 2
							t0 := time.Now()
							one(urls[j])
							took[j].Add(int64(time.Since(t0)))
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(took[1].Load())/float64(took[0].Load()), "tasks/plain")
		})
	}
}
