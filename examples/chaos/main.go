// Command chaos shows package netx/fault's toxics changed at run time,
// over HTTP, in a running program. It runs a local backend (a TCP echo
// server), pings it from a task every -every, and prints each round trip;
// a read that toxics delayed says so, from its event, with the toxic's
// name and the delay it added. Its debug server serves the live page and
// fault's control handler:
//
//	go run ./examples/chaos
//
// then, in another terminal, add 100 ms to what the program receives from
// the backend (the command is printed at start with the backend's port):
//
//	curl -d '{"target": ":PORT", "type": "latency", "attributes": {"latency": 100}}' \
//		http://127.0.0.1:6060/debug/coop/faults/toxics
//
// and remove it again:
//
//	curl -X POST http://127.0.0.1:6060/debug/coop/faults/reset
//
// It exits 1 if the run failed, 2 for a bad flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/live"
	"github.com/coop-go/coop/netx"
	"github.com/coop-go/coop/netx/fault"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(cli(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const synopsis = "usage: chaos [-debug addr] [-every d] [-n count]"

func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.debug, "debug", "127.0.0.1:6060", "the debug server's `address` (live page, fault handler)")
	fs.DurationVar(&cfg.every, "every", 500*time.Millisecond, "the time between pings")
	fs.IntVar(&cfg.n, "n", 0, "stop after this many pings (0: run until interrupted)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, synopsis)
			return 0
		}
		fmt.Fprintln(stderr, synopsis)
		return 2
	}
	if fs.NArg() > 0 || cfg.every <= 0 || cfg.n < 0 {
		fmt.Fprintln(stderr, synopsis)
		return 2
	}
	if err := run(ctx, cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "chaos:", err)
		return 1
	}
	return 0
}

type config struct {
	debug string
	every time.Duration
	n     int
}

// run serves the debug page, the backend, and pings the backend until ctx
// ends or cfg.n pings are done.
func run(ctx context.Context, cfg config, out io.Writer) error {
	// The Effect of the last read of the ping task, from its event.
	var last atomic.Pointer[fault.Effect]
	s := iox.New(iox.WithName("chaos"), iox.WithObserver(iox.ObserverFunc(func(e iox.Event) {
		if eff, ok := e.Detail.(fault.Effect); ok && e.Kind == iox.OpRead {
			last.Store(&eff)
		}
	})))
	defer s.Close()

	backend, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer backend.Close()
	go serveEcho(backend)

	dl, err := net.Listen("tcp", cfg.debug)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/coop/", http.StripPrefix("/debug/coop", live.Handler(s)))
	mux.Handle("/debug/coop/faults/", http.StripPrefix("/debug/coop/faults", fault.Handler()))
	debug := &http.Server{Handler: mux}
	go debug.Serve(dl)
	defer debug.Close()

	_, port, _ := net.SplitHostPort(backend.Addr().String())
	base := "http://" + dl.Addr().String() + "/debug/coop/"
	fmt.Fprintf(out, "backend on %s; live page on %s\n", backend.Addr(), base)
	fmt.Fprintf(out, "add 100 ms to its replies:\n  curl -d '{\"target\": \":%s\", \"type\": \"latency\", \"attributes\": {\"latency\": 100}}' %sfaults/toxics\n", port, base)
	fmt.Fprintf(out, "remove it:\n  curl -X POST %sfaults/reset\n", base)

	pinger := s.GoContext(ctx, func(ctx context.Context) error {
		c, err := netx.Dial("tcp", backend.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		msg, got := []byte("ping\n"), make([]byte, 5)
		for i := 1; cfg.n == 0 || i <= cfg.n; i++ {
			last.Store(nil)
			start := iox.Now()
			_, err := c.Write(msg)
			if err == nil {
				_, err = io.ReadFull(c, got)
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil // interrupted
				}
				return err
			}
			rtt := iox.Now().Sub(start).Round(10 * time.Microsecond)
			if eff := last.Load(); eff != nil {
				fmt.Fprintf(out, "ping %d: %v (%v)\n", i, rtt, eff)
			} else {
				fmt.Fprintf(out, "ping %d: %v\n", i, rtt)
			}
			timer := iox.NewTimer(cfg.every)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return nil // interrupted
			}
		}
		return nil
	})
	if err := pinger.Wait(); err != nil && (ctx.Err() == nil || !errors.Is(err, iox.ErrKilled)) {
		return err
	}
	return nil
}

// serveEcho echoes what each conn sends, until l is closed.
func serveEcho(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			io.Copy(c, c)
			c.Close()
		}()
	}
}
