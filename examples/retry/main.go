// Command retry shows httpx's go-retryablehttp client on the coop
// scheduler. A local server is flaky: /flaky fails twice with 503 before
// it answers, /down always answers 503 with "Retry-After: 3600". Every
// attempt and every backoff wait is a blocking call of the scheduler,
// printed here from its events; the wait is a scheduler sleep, so the
// Retry-After of an hour is capped at RetryWaitMax, and a kill during the
// wait ends the request at once, without another attempt.
//
//	go run ./examples/retry
//	go run ./examples/retry -wait-min 50ms -wait-max 2s
//
// It exits 1 if the run failed, 2 for a bad flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/internal/cmdline"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/httpx/retry"
	"github.com/coop-go/coop/iox"
)

func main() { os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr)) }

const synopsis = "usage: retry [-wait-min d] [-wait-max d]"

const about = `Runs go-retryablehttp's client, built by httpx, against a local flaky
server, and prints every attempt and backoff wait from the scheduler's
events: a page that fails twice then answers, and one that asks to be
retried in an hour (the wait is capped at -wait-max) and whose request
is killed during its wait. It exits 1 if the run failed, 2 for a bad flag.

`

// flags defines retry's flags in a new FlagSet that reports its errors
// to stderr.
func flags(waitMin, waitMax *time.Duration, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("retry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // cli prints it: to stdout for -h, to stderr on a mistake
	fs.DurationVar(waitMin, "wait-min", 200*time.Millisecond, "the client's RetryWaitMin: the first backoff wait")
	fs.DurationVar(waitMax, "wait-max", 800*time.Millisecond, "the client's RetryWaitMax: the longest backoff wait")
	return fs
}

// cli runs retry with the command-line arguments args and returns its
// exit status: 0 when it ran (or printed its usage for -h), 1 when the
// run failed, 2 for a bad flag or argument, named in the message on
// stderr.
func cli(args []string, stdout, stderr io.Writer) int {
	var waitMin, waitMax time.Duration
	fs := flags(&waitMin, &waitMax, stderr)
	if code, exit := cmdline.Parse(fs, args, synopsis, about, stdout, stderr); exit {
		return code
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "retry: unexpected argument %q: retry takes only flags (retry -h for more)\n", fs.Arg(0))
		return 2
	case waitMin <= 0:
		fmt.Fprintf(stderr, "retry: -wait-min must be positive, not %v\n", waitMin)
		return 2
	case waitMax < waitMin:
		fmt.Fprintf(stderr, "retry: -wait-max (%v) must be at least -wait-min (%v)\n", waitMax, waitMin)
		return 2
	}
	if err := run(stdout, waitMin, waitMax); err != nil {
		fmt.Fprintln(stderr, "retry:", err)
		return 1
	}
	return 0
}

func run(w io.Writer, waitMin, waitMax time.Duration) error {
	var flakyHits, downHits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/flaky", func(rw http.ResponseWriter, r *http.Request) {
		if flakyHits.Add(1) <= 2 {
			http.Error(rw, "busy", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(rw, "finally\n")
	})
	mux.HandleFunc("/down", func(rw http.ResponseWriter, r *http.Request) {
		downHits.Add(1)
		rw.Header().Set("Retry-After", "3600")
		http.Error(rw, "come back in an hour", http.StatusServiceUnavailable)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// The scheduler's events, as they happen.
	var mu sync.Mutex
	waiting := make(chan struct{}, 1)
	start := time.Now()
	s := iox.New(iox.WithName("retry"), iox.WithObserver(iox.ObserverFunc(func(e iox.Event) {
		mu.Lock()
		defer mu.Unlock()
		at := e.Start.Sub(start).Round(time.Millisecond)
		switch d := e.Detail.(type) {
		case httpx.RoundTripInfo:
			fmt.Fprintf(w, "  %6v attempt %d: %s -> %d (%v)\n", at, d.Attempt, e.Target, d.Status, e.Duration.Round(100*time.Microsecond))
		case retry.WaitInfo:
			outcome := "then retried"
			if e.Err != nil {
				outcome = "cut short: " + e.Err.Error()
			}
			fmt.Fprintf(w, "  %6v waited %v after attempt %d (%d), asked for %v, %s\n", at, e.Duration.Round(time.Millisecond), d.Attempt, d.Status, d.Wait, outcome)
		}
	})))
	defer s.Close()
	s.Observe(iox.ObserverFunc(func(e iox.Event) {
		if e.Kind == iox.OpRoundTrip && e.Target != "" && downHits.Load() > 0 {
			select {
			case waiting <- struct{}{}:
			default:
			}
		}
	}))

	client := retry.NewClient()
	client.RetryWaitMin, client.RetryWaitMax = waitMin, waitMax

	fmt.Fprintf(w, "GET /flaky (fails twice, then answers):\n")
	err := s.Go(func(ctx context.Context) error {
		resp, err := client.Get(srv.URL + "/flaky")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		mu.Lock()
		fmt.Fprintf(w, "  got %s %q after %d attempts\n", resp.Status, body, flakyHits.Load())
		mu.Unlock()
		return nil
	}).Wait()
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "GET /down (Retry-After: 3600, RetryWaitMax %v), killed during its first wait:\n", waitMax)
	start = time.Now()
	t := s.Go(func(ctx context.Context) error {
		resp, err := client.Get(srv.URL + "/down")
		if err == nil {
			resp.Body.Close()
		}
		return err
	})
	<-waiting // the first attempt is over: the task is in its backoff wait
	for st, _ := s.Snapshot().Task(t.ID()); st.Op != iox.OpSleep; st, _ = s.Snapshot().Task(t.ID()) {
		iox.Yield()
	}
	killed := time.Now()
	t.Kill(errors.New("shutting down"))
	err = t.Wait()
	mu.Lock()
	fmt.Fprintf(w, "  ended %v after the kill: %v\n", time.Since(killed).Round(100*time.Microsecond), err)
	fmt.Fprintf(w, "  attempts made: %d\n", downHits.Load())
	mu.Unlock()
	if !errors.Is(err, iox.ErrKilled) {
		return fmt.Errorf("the killed request ended with %v", err)
	}
	return nil
}
