// Command crawl is gevent's seed program in Go: one task per URL prints
// "Starting URL", fetches the page with a plain http.Get and prints its
// size and first bytes; the program waits two seconds for them all, then
// says which did not finish, shows what they are blocked in, and kills
// them. The code that fetches knows nothing of coop: the default HTTP
// client is patched once at startup.
//
//	go run ./examples/crawl                       # a local server with three fast pages and a slow one
//	go run ./examples/crawl https://go.dev/ ...   # real URLs
//	go run ./examples/crawl -timeout 5s URL ...   # wait longer before killing
//	go run ./examples/crawl -live :6060 -timeout 30s  # watch the tasks at the printed URL
//
// It exits 1 if a fetch failed (an error, or a status other than 2xx),
// 2 for a bad flag, and 0 otherwise: pages still loading at the timeout
// are killed, which is what the program shows, not a failure.
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
	"strings"
	"sync"
	"time"

	"github.com/coop-go/coop/internal/cmdline"

	"github.com/coop-go/coop/httpx"
	"github.com/coop-go/coop/internal/liveserve"
	"github.com/coop-go/coop/iox"
)

func main() { os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr)) }

const synopsis = "usage: crawl [-timeout d] [-live addr] [URL ...]"

const about = `Fetches each URL in a task of its own, waits for them all up to the
timeout, then shows what the unfinished ones are blocked in and kills
them. With no URL it crawls a local server with three fast pages and a
slow one. With -live it serves the page of package live, where the
tasks can be watched while they run. It exits 1 if a fetch failed, 2
for a bad flag.

`

// flags defines crawl's flags in a new FlagSet that reports its errors
// to stderr.
func flags(timeout *time.Duration, liveAddr *string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("crawl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // cli prints it: to stdout for -h, to stderr on a mistake
	fs.DurationVar(timeout, "timeout", 2*time.Second, "how long to wait for the pages before killing the rest")
	fs.StringVar(liveAddr, "live", "", liveserve.Usage)
	return fs
}

// cli runs crawl with the command-line arguments args and returns its
// exit status: 0 when it ran (or printed its usage for -h), 1 when a
// fetch failed, 2 for a bad flag, named in the message on stderr.
func cli(args []string, stdout, stderr io.Writer) int {
	var timeout time.Duration
	var liveAddr string
	fs := flags(&timeout, &liveAddr, stderr)
	if code, exit := cmdline.Parse(fs, args, synopsis, about, stdout, stderr); exit {
		return code
	}
	if timeout <= 0 {
		fmt.Fprintf(stderr, "crawl: -timeout must be positive, not %v\n", timeout)
		return 2
	}

	if liveAddr != "" {
		_, stop, err := liveserve.Serve(stderr, liveAddr, iox.Default())
		if err != nil {
			fmt.Fprintln(stderr, "crawl:", err)
			return 2
		}
		defer stop()
	}
	undo := httpx.PatchDefault() // once, at startup: http.Get is now cooperative
	defer undo()
	urls := fs.Args()
	if len(urls) == 0 {
		srv, err := startServer(10 * time.Second)
		if err != nil {
			fmt.Fprintln(stderr, "crawl:", err)
			return 1
		}
		defer srv.Close()
		urls = srv.urls
	}
	if err := crawl(stdout, urls, timeout); err != nil {
		fmt.Fprintln(stderr, "crawl:", err)
		return 1
	}
	return 0
}

// printHead is the seed's print_head, written as any Go program would:
// net/http, no context, no coop.
func printHead(w io.Writer, url string) error {
	fmt.Fprintf(w, "Starting %s\n", url)
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %d bytes: %q\n", url, len(data), data[:min(50, len(data))])
	return nil
}

// crawl fetches the URLs in one task each, waits up to timeout for them
// all (gevent.joinall), and kills the ones that did not finish. It
// returns an error if a fetch that finished failed.
func crawl(w io.Writer, urls []string, timeout time.Duration) error {
	out := &lockedWriter{w: w}
	var tasks []*iox.Task
	for _, url := range urls {
		tasks = append(tasks, iox.Spawn(func(ctx context.Context) error {
			return printHead(out, url)
		}).SetName(url))
	}
	done := iox.JoinAll(timeout, tasks...)
	fmt.Fprintf(out, "%d of %d finished within %v\n", len(done), len(tasks), timeout)
	var failed error
	for _, t := range done {
		if err := t.Err(); err != nil {
			fmt.Fprintf(out, "%s failed: %v\n", t.Name(), err)
			failed = fmt.Errorf("%d of %d fetches failed", countFailed(done), len(tasks))
		}
	}
	if len(done) == len(tasks) {
		return failed
	}

	// What the others are blocked in, from the scheduler's live table.
	snap := iox.Default().Snapshot()
	for _, t := range tasks {
		if t.Err() != nil || contains(done, t) {
			continue
		}
		if st, ok := snap.Task(t.ID()); ok && st.State == iox.Blocked {
			fmt.Fprintf(out, "%s did not finish: blocked in %v on %s for %v; killing it\n", t.Name(), st.Op, st.Target, st.For.Round(time.Millisecond))
		} else {
			fmt.Fprintf(out, "%s did not finish; killing it\n", t.Name())
		}
	}
	stragglers := without(tasks, done)
	iox.KillAll(errors.New("too slow"), stragglers...)
	for _, t := range stragglers {
		fmt.Fprintf(out, "%s: %v\n", t.Name(), t.Wait())
	}
	return failed
}

func countFailed(ts []*iox.Task) int {
	n := 0
	for _, t := range ts {
		if t.Err() != nil {
			n++
		}
	}
	return n
}

func contains(ts []*iox.Task, t *iox.Task) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func without(all, done []*iox.Task) []*iox.Task {
	var out []*iox.Task
	for _, t := range all {
		if !contains(done, t) {
			out = append(out, t)
		}
	}
	return out
}

// server serves three fast pages and one that takes its time.
type server struct {
	*http.Server
	urls []string
}

func startServer(slow time.Duration) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for _, page := range []string{"alpha", "beta", "gamma"} {
		mux.HandleFunc("/"+page, func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "<html><head><title>%s</title></head><body>%s</body></html>\n", page, strings.Repeat(page+" ", 200))
		})
	}
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(slow):
			io.WriteString(w, "<html>finally</html>\n")
		case <-r.Context().Done(): // the client gave up
		}
	})
	srv := &server{Server: &http.Server{Handler: mux}}
	base := "http://" + l.Addr().String()
	srv.urls = []string{base + "/alpha", base + "/beta", base + "/slow", base + "/gamma"}
	go srv.Serve(l)
	return srv, nil
}

// lockedWriter lets tasks print whole lines at once.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
