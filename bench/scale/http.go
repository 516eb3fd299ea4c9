package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/iox"
)

// httpSeed is gevent's http_2proc and http_2proc_t2: 100 clients each
// make 100 GETs of a 1 KiB page from a server in its own process, with a
// new connection each (keep-alive off, as urllib), then with keep-alive;
// the figures are requests per second, and how many of the 10,000
// requests finish within a 2 s join (the seed program's pattern). Plain
// goroutines with net/http, next to tasks with httpx.
func httpSeed(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	clients := fs.Int("clients", 100, "concurrent clients")
	requests := fs.Int("requests", 100, "GETs per client")
	join := fs.Duration("join", 2*time.Second, "the join timeout of the seed pattern")
	if err := fs.Parse(args); err != nil {
		return err
	}
	addr, stop, err := startHTTPServer()
	if err != nil {
		return err
	}
	defer stop()
	url := "http://" + addr + "/"
	for _, keepAlive := range []bool{false, true} {
		ka := "nokeepalive"
		if keepAlive {
			ka = "keepalive"
		}
		for _, kind := range []string{"net-http", "httpx-task"} {
			for _, joinTimeout := range []time.Duration{0, *join} {
				if keepAlive && joinTimeout > 0 {
					continue // the seed pattern is measured as gevent's: new connections
				}
				done, elapsed, err := httpRun(kind, url, keepAlive, *clients, *requests, joinTimeout)
				if err != nil {
					return err
				}
				if joinTimeout > 0 {
					fmt.Fprintf(w, "http/%s/%s/join%v %d finished_of %d\n", kind, ka, joinTimeout, done, *clients**requests)
				} else {
					fmt.Fprintf(w, "http/%s/%s %.0f req/s\n", kind, ka, float64(done)/elapsed.Seconds())
				}
			}
		}
	}
	return nil
}

// httpRun makes clients×requests GETs and returns how many finished (all
// of them, or those done by the join timeout if it is set) and how long
// the run took.
func httpRun(kind, url string, keepAlive bool, clients, requests int, join time.Duration) (int, time.Duration, error) {
	var finished atomic.Int64
	var firstErr atomic.Value
	get := func(c *http.Client) {
		for range requests {
			resp, err := c.Get(url)
			if err != nil {
				firstErr.CompareAndSwap(nil, err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			finished.Add(1)
		}
	}
	start := time.Now()
	switch kind {
	case "net-http":
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: clients}}
		defer c.CloseIdleConnections()
		var wg sync.WaitGroup
		for range clients {
			wg.Add(1)
			go func() { defer wg.Done(); get(c) }()
		}
		if join > 0 {
			waitTimeout(&wg, join)
			n := finished.Load()
			wg.Wait() // let the rest finish before the next run
			return int(n), join, nil
		}
		wg.Wait()
	case "httpx-task":
		c := &http.Client{Transport: &httpx.Transport{DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: clients}}
		defer c.CloseIdleConnections()
		s := iox.New()
		defer s.Close()
		tasks := make([]*iox.Task, clients)
		for i := range tasks {
			tasks[i] = s.Go(func(ctx context.Context) error { get(c); return nil })
		}
		if join > 0 {
			iox.JoinAll(join, tasks...) // the seed pattern: then kill the rest
			n := finished.Load()
			iox.KillAll(nil, tasks...)
			iox.JoinAll(time.Minute, tasks...)
			return int(n), join, nil
		}
		iox.JoinAll(time.Hour, tasks...)
	}
	if err, ok := firstErr.Load().(error); ok && join == 0 {
		return 0, 0, err
	}
	return int(finished.Load()), time.Since(start), nil
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// startHTTPServer runs the page server in a child process.
func startHTTPServer() (addr string, stop func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(exe, "child-httpserver")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		in.Close()
		cmd.Wait()
		return "", nil, fmt.Errorf("http server: %v", err)
	}
	return strings.TrimSpace(line), func() { in.Close(); cmd.Wait() }, nil
}

func childHTTPServer(w io.Writer) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	page := strings.Repeat("x", 1024)
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.WriteString(rw, page)
	})}
	go srv.Serve(l)
	fmt.Fprintln(w, l.Addr())
	io.Copy(io.Discard, os.Stdin)
	return srv.Close()
}
