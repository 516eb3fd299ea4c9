// Command legacy runs one health checker, written against package net,
// time and net/http with no context, twice: as it was (package plain) and
// with only its imports swapped for coop's (package swapped). The server
// it checks has stopped answering. Under a 300 ms timeout scope the
// swapped checker gives up at 300 ms; the plain one cannot be reached by
// the scope and waits for the server. A killed task running the swapped
// checker ends at once.
//
//	go run ./examples/legacy
//	go run ./examples/legacy -stall 5s -scope 1s
//
// It exits 1 if the run failed, 2 for a bad flag.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/coop-go/coop/internal/cmdline"

	plain "github.com/coop-go/coop/examples/legacy/plain"
	swapped "github.com/coop-go/coop/examples/legacy/swapped"
	"github.com/coop-go/coop/iox"
)

func main() { os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr)) }

const synopsis = "usage: legacy [-stall d] [-scope d]"

const about = `Runs a health checker written against net, time and net/http twice,
as it was and with only its imports swapped for coop's, under a timeout
scope, against a local server that answers only after -stall; then kills
a task running the swapped one mid-check. It exits 1 if the run failed,
2 for a bad flag.

`

// flags defines legacy's flags in a new FlagSet that reports its errors
// to stderr.
func flags(stall, scope *time.Duration, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("legacy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // cli prints it: to stdout for -h, to stderr on a mistake
	fs.DurationVar(stall, "stall", 2*time.Second, "how long the server takes to answer each probe")
	fs.DurationVar(scope, "scope", 300*time.Millisecond, "the timeout scope around each checker")
	return fs
}

// cli runs legacy with the command-line arguments args and returns its
// exit status: 0 when it ran (or printed its usage for -h), 1 when the
// run failed, 2 for a bad flag or argument, named in the message on
// stderr.
func cli(args []string, stdout, stderr io.Writer) int {
	var stall, scope time.Duration
	fs := flags(&stall, &scope, stderr)
	if code, exit := cmdline.Parse(fs, args, synopsis, about, stdout, stderr); exit {
		return code
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "legacy: unexpected argument %q: legacy takes only flags (legacy -h for more)\n", fs.Arg(0))
		return 2
	case stall <= 0:
		fmt.Fprintf(stderr, "legacy: -stall must be positive, not %v\n", stall)
		return 2
	case scope <= 0:
		fmt.Fprintf(stderr, "legacy: -scope must be positive, not %v\n", scope)
		return 2
	}
	if err := run(stdout, stall, scope); err != nil {
		fmt.Fprintln(stderr, "legacy:", err)
		return 1
	}
	return 0
}

func run(w io.Writer, stall, scope time.Duration) error {
	srv := newStalledServer(stall)
	defer srv.close()
	fmt.Fprintf(w, "the server answers PING and /health only after %v\n\n", stall)

	for _, c := range []struct {
		name  string
		check func(string) (string, error)
	}{{"plain (net, time, net/http)", plain.Check}, {"swapped (netx, timex, httpx)", swapped.Check}} {
		start := time.Now()
		var report string
		err := iox.Timeout(scope, func() error {
			var err error
			report, err = c.check(srv.addr)
			return err
		})
		took := time.Since(start).Round(10 * time.Millisecond)
		switch {
		case errors.Is(err, iox.ErrTimeout):
			fmt.Fprintf(w, "%-30s under a %v scope: timed out after %v\n", c.name, scope, took)
		case err != nil:
			fmt.Fprintf(w, "%-30s under a %v scope: failed after %v: %v\n", c.name, scope, took, err)
		case took > scope:
			fmt.Fprintf(w, "%-30s under a %v scope: ran %v, past the scope, and saw %q\n", c.name, scope, took, report)
		default:
			fmt.Fprintf(w, "%-30s under a %v scope: finished in %v, within the scope, and saw %q\n", c.name, scope, took, report)
		}
	}
	// A task running the swapped checker, killed while it waits.
	t := iox.Spawn(func(ctx context.Context) error {
		_, err := swapped.Check(srv.addr)
		return err
	})
	srv.waitForVisitor()
	start := time.Now()
	t.Kill(errors.New("shutting down"))
	err := t.Wait()
	fmt.Fprintf(w, "%-30s in a task killed mid-check: ended %v after the kill: %v\n", "swapped", time.Since(start).Round(10*time.Microsecond), err)
	if !errors.Is(err, iox.ErrKilled) {
		return fmt.Errorf("the killed check ended with %v", err)
	}
	return nil
}

// stalledServer answers PING with PONG and /health with 200 ok, each only
// after stall.
type stalledServer struct {
	addr    string
	l       net.Listener
	http    *http.Server
	visits  chan struct{}
	wg      sync.WaitGroup
	closing chan struct{}
}

func newStalledServer(stall time.Duration) *stalledServer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := &stalledServer{addr: l.Addr().String(), l: l, visits: make(chan struct{}, 100), closing: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		s.visited()
		select {
		case <-time.After(stall):
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		}
		io.WriteString(w, "ok\n")
	})
	s.http = &http.Server{Handler: mux}
	// One listener serves both: a request line starting with PING is the
	// TCP probe, anything else goes to the HTTP server.
	httpConns := make(chan net.Conn)
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.http.Serve(&chanListener{conns: httpConns, addr: l.Addr(), done: s.closing})
	}()
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				br := bufio.NewReader(c)
				head, err := br.Peek(4)
				if err != nil {
					c.Close()
					return
				}
				if string(head) == "PING" {
					defer c.Close()
					s.visited()
					select {
					case <-time.After(stall):
						io.WriteString(c, "PONG\n")
					case <-s.closing:
					}
					return
				}
				select {
				case httpConns <- &peekedConn{Conn: c, r: br}:
				case <-s.closing:
					c.Close()
				}
			}()
		}
	}()
	return s
}

func (s *stalledServer) visited() {
	select {
	case s.visits <- struct{}{}:
	default:
	}
}

func (s *stalledServer) waitForVisitor() {
	for len(s.visits) > 0 { // forget earlier visits
		<-s.visits
	}
	<-s.visits
}

func (s *stalledServer) close() {
	close(s.closing)
	s.l.Close()
	s.http.Close()
	s.wg.Wait()
}

// chanListener hands the HTTP server the conns the main listener routed
// to it.
type chanListener struct {
	conns chan net.Conn
	addr  net.Addr
	done  chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}
func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }

// peekedConn is a conn whose first bytes were read into r.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
