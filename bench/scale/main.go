// Command scale measures what needs a fresh process or several: the peak
// memory of 100,000 sleeping tasks, the wall time of 100,000 timers, the
// memory of idle connections held in tasks, 10,000 per process and
// 100,000 over several processes (one process may hold only about 20,000
// files here), and HTTP clients against a server in its own process. Each figure is printed next to the same work done with
// plain goroutines and package net, as "name value unit".
//
//	go run ./bench/scale spawnmem
//	go run ./bench/scale timers
//	go run ./bench/scale idle -total 100000 -per 10000
//	go run ./bench/scale http
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coop-go/coop/internal/procmem"
	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: scale spawnmem|timers|idle|http [flags]")
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "spawnmem":
		err = spawnMem(os.Stdout, args)
	case "timers":
		err = timers(os.Stdout, args)
	case "idle":
		err = idle(os.Stdout, args)
	case "http":
		err = httpSeed(os.Stdout, args)
	case "child-httpserver":
		err = childHTTPServer(os.Stdout)
	case "child-sleepers":
		err = childSleepers(os.Stdout, args)
	case "child-server":
		err = childServer(os.Stdout)
	case "child-clients":
		err = childClients(os.Stdout, args)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// self runs this program again with args and returns its output.
func self(args ...string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(exe, args...).Output()
	return string(out), err
}

// spawnMem is gevent's spawn_mem: the peak resident memory of a process
// holding 100,000 tasks blocked in Sleep, next to one holding 100,000
// goroutines blocked in a cancellable timer; each in a fresh process.
func spawnMem(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("spawnmem", flag.ContinueOnError)
	n := fs.Int("n", 100000, "sleepers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, kind := range []string{"goroutine-timer", "task-Sleep"} {
		out, err := self("child-sleepers", "-kind", kind, "-n", strconv.Itoa(*n))
		if err != nil {
			return err
		}
		fmt.Fprint(w, out)
	}
	return nil
}

func childSleepers(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("child-sleepers", flag.ContinueOnError)
	kind := fs.String("kind", "task-Sleep", "goroutine-timer or task-Sleep")
	n := fs.Int("n", 100000, "sleepers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	base := procmem.RSS()
	var ready sync.WaitGroup
	ready.Add(*n)
	switch *kind {
	case "goroutine-timer":
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for range *n {
			go func() {
				t := time.NewTimer(time.Hour)
				defer t.Stop()
				ready.Done()
				select {
				case <-t.C:
				case <-ctx.Done():
				}
			}()
		}
	case "task-Sleep":
		s := iox.New()
		defer s.Close()
		for range *n {
			s.Go(func(ctx context.Context) error {
				ready.Done()
				iox.Sleep(time.Hour)
				return nil
			})
		}
	default:
		return fmt.Errorf("unknown kind %q", *kind)
	}
	ready.Wait()
	runtime.GC()
	peak := procmem.Status("VmHWM")
	fmt.Fprintf(w, "spawnmem/%s %.1f MiB_peak_rss %.0f B/sleeper_over_base\n", *kind, float64(peak)/(1<<20), float64(peak-base)/float64(*n))
	return nil
}

// timers is gevent's timers: the wall time for 100,000 sleepers each
// sleeping 100 ms, tasks in Sleep next to goroutines in time.Sleep.
func timers(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("timers", flag.ContinueOnError)
	n := fs.Int("n", 100000, "sleepers")
	d := fs.Duration("d", 100*time.Millisecond, "sleep")
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range *n {
		wg.Add(1)
		go func() { defer wg.Done(); time.Sleep(*d) }()
	}
	wg.Wait()
	fmt.Fprintf(w, "timers/goroutines %.3f s_wall\n", time.Since(start).Seconds())

	for _, mode := range []iox.Mode{iox.Free, iox.Cooperative} {
		s := iox.New(iox.WithMode(mode))
		start = time.Now()
		tasks := make([]*iox.Task, *n)
		for i := range tasks {
			tasks[i] = s.Go(func(ctx context.Context) error { iox.Sleep(*d); return nil })
		}
		iox.JoinAll(time.Hour, tasks...)
		fmt.Fprintf(w, "timers/tasks-%s %.3f s_wall\n", mode, time.Since(start).Seconds())
		s.Close()
	}
	return nil
}

// idle holds total idle connections, per per process, each read by a task
// (netx) or a goroutine (package net) blocked in Read, with the far ends
// in server processes of their own, and reports the client processes'
// resident memory per connection.
func idle(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	total := fs.Int("total", 10000, "connections in all")
	per := fs.Int("per", 10000, "connections per client process")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, kind := range []string{"net", "netx-task"} {
		procs := (*total + *per - 1) / *per
		var mu sync.Mutex
		var rss, heap uint64
		var wg sync.WaitGroup
		errs := make(chan error, procs)
		for p := range procs {
			n := min(*per, *total-p**per)
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, h, err := idleProcs(kind, n)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				rss += r
				heap += h
				mu.Unlock()
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
		fmt.Fprintf(w, "idle/%s/%d-conns/%d-procs %.0f RSS-B/conn %.0f heap+stack-B/conn\n", kind, *total, procs, float64(rss)/float64(*total), float64(heap)/float64(*total))
	}
	return nil
}

// idleProcs runs one server process and one client process holding n
// connections to it, and returns the client's memory growth.
func idleProcs(kind string, n int) (rss, heap uint64, err error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	srv := exec.Command(exe, "child-server")
	srvIn, _ := srv.StdinPipe()
	srvOut, _ := srv.StdoutPipe()
	if err := srv.Start(); err != nil {
		return 0, 0, err
	}
	defer srv.Wait()
	defer srvIn.Close()
	addr, err := bufio.NewReader(srvOut).ReadString('\n')
	if err != nil {
		return 0, 0, fmt.Errorf("server: %v", err)
	}
	out, err := self("child-clients", "-kind", kind, "-n", strconv.Itoa(n), "-addr", strings.TrimSpace(addr))
	if err != nil {
		return 0, 0, fmt.Errorf("clients: %v", err)
	}
	_, err = fmt.Sscan(out, &rss, &heap)
	return rss, heap, err
}

func childServer(w io.Writer) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, l.Addr())
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	io.Copy(io.Discard, os.Stdin)
	return nil
}

func childClients(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("child-clients", flag.ContinueOnError)
	kind := fs.String("kind", "netx-task", "net or netx-task")
	n := fs.Int("n", 10000, "connections")
	addr := fs.String("addr", "", "server address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap0, rss0 := procmem.InUse(), procmem.RSS()
	s := iox.New()
	conns := make([]net.Conn, 0, *n)
	for range *n {
		var c net.Conn
		var err error
		if *kind == "net" {
			c, err = net.Dial("tcp", *addr)
			if err == nil {
				go func() { c.Read(make([]byte, 1)) }()
			}
		} else {
			c, err = netx.Dial("tcp", *addr)
			if err == nil {
				s.Go(func(ctx context.Context) error { _, err := c.Read(make([]byte, 1)); return err })
			}
		}
		if err != nil {
			return err
		}
		conns = append(conns, c)
	}
	runtime.GC()
	fmt.Fprintln(w, procmem.RSS()-rss0, procmem.InUse()-heap0)
	for _, c := range conns {
		c.Close()
	}
	s.Close()
	return nil
}
