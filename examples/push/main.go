// Command push is a TCP server that pushes lines to many clients, with a
// built-in load: gevent's classic "server that pushes data to many
// clients", on netx. Each client connection is a task; a broadcaster task
// hands every line to each connection's queue; a connection's task writes
// its lines under a write-timeout scope, and a client too slow to keep up
// is dropped. Clients dial, read, and measure how long each line took.
// Once a second it prints a status line from the scheduler's Snapshot and
// Stats, and at the end the delivery rate and latency percentiles.
//
//	go run ./examples/push                  # 2,000 clients for 10 s
//	go run ./examples/push -clients 500 -duration 5s
//	go run ./examples/push -live :6060      # and watch the tasks at the printed URL
//	go run ./examples/push -h               # every flag
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
	"math"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coop-go/coop/internal/cmdline"

	"github.com/coop-go/coop/internal/liveserve"
	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

type config struct {
	clients      int           // clients that read every line
	slow         int           // clients that never read
	duration     time.Duration // how long the broadcaster runs
	lines        int           // if > 0, how many lines it sends instead (for tests)
	rate         int           // lines per second
	size         int           // bytes per line
	writeTimeout time.Duration // how long one write to a client may take
	status       time.Duration // how often to print the status line
	live         string        // if not "", where to serve the live page
}

// maxRate bounds -rate: one line every microsecond is already more than
// one ticker can pace.
const maxRate = 1_000_000

// minSize is the smallest -size: a line's timestamp and number take up to
// 32 bytes.
const minSize = 32

func main() { os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr)) }

const synopsis = "usage: push [flags]"

const about = `Runs a TCP server on loopback that pushes lines to many clients, the
clients with it, and prints a status line from the scheduler's Snapshot
and Stats every -status, then the delivery rate and latency. Clients too
slow to take a line within -write-timeout are dropped. With -live it
serves the page of package live, where the tasks can be watched. It
exits 1 if the run failed, 2 for a bad flag.

`

// flags defines push's flags, into cfg, in a new FlagSet that reports
// its errors to stderr.
func flags(cfg *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // cli prints it: to stdout for -h, to stderr on a mistake
	fs.IntVar(&cfg.clients, "clients", 2000, "clients that keep up")
	fs.IntVar(&cfg.slow, "slow", 5, "clients that never read")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to broadcast")
	fs.IntVar(&cfg.rate, "rate", 20, fmt.Sprintf("lines per second, 1 to %d", maxRate))
	fs.IntVar(&cfg.size, "size", 2048, fmt.Sprintf("bytes per line, at least %d", minSize))
	fs.DurationVar(&cfg.writeTimeout, "write-timeout", 500*time.Millisecond, "timeout scope around each write to a client")
	fs.DurationVar(&cfg.status, "status", time.Second, "status line interval")
	fs.StringVar(&cfg.live, "live", "", liveserve.Usage)
	return fs
}

// check returns what is wrong with cfg, naming the flag, or nil.
func (cfg config) check() error {
	switch {
	case cfg.clients < 0:
		return fmt.Errorf("-clients must not be negative, not %d", cfg.clients)
	case cfg.slow < 0:
		return fmt.Errorf("-slow must not be negative, not %d", cfg.slow)
	case cfg.clients+cfg.slow == 0:
		return errors.New("-clients and -slow are both 0: there is no one to push to")
	case cfg.duration <= 0:
		return fmt.Errorf("-duration must be positive, not %v", cfg.duration)
	case cfg.rate < 1 || cfg.rate > maxRate:
		return fmt.Errorf("-rate must be between 1 and %d lines per second, not %d", maxRate, cfg.rate)
	case cfg.size < minSize:
		return fmt.Errorf("-size must be at least %d bytes, not %d", minSize, cfg.size)
	case cfg.writeTimeout <= 0:
		return fmt.Errorf("-write-timeout must be positive, not %v", cfg.writeTimeout)
	case cfg.status <= 0:
		return fmt.Errorf("-status must be positive, not %v", cfg.status)
	}
	if cfg.live != "" {
		if _, _, err := net.SplitHostPort(cfg.live); err != nil {
			return fmt.Errorf("-live %q: want host:port or :port (:0 for any port)", cfg.live)
		}
	}
	return nil
}

// cli runs push with the command-line arguments args and returns its
// exit status: 0 when it ran (or printed its usage for -h), 1 when the
// run failed, 2 for a bad flag or argument, named in the message on
// stderr.
func cli(args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flags(&cfg, stderr)
	if code, exit := cmdline.Parse(fs, args, synopsis, about, stdout, stderr); exit {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "push: unexpected argument %q: push takes only flags (push -h for more)\n", fs.Arg(0))
		return 2
	}
	if err := cfg.check(); err != nil {
		fmt.Fprintln(stderr, "push:", err)
		return 2
	}
	if err := run(stdout, cfg); err != nil {
		fmt.Fprintln(stderr, "push:", err)
		return 1
	}
	return 0
}

// hub is the set of connected subscribers.
type hub struct {
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	dropped atomic.Int64
}

type subscriber struct {
	conn  net.Conn
	lines *iox.Queue[[]byte]
	task  *iox.Task
}

func (h *hub) add(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[s] = struct{}{}
}

// drop removes a subscriber that could not keep up, and reports whether it
// was still there.
func (h *hub) drop(s *subscriber) bool {
	h.mu.Lock()
	_, ok := h.subs[s]
	delete(h.subs, s)
	h.mu.Unlock()
	if ok {
		h.dropped.Add(1)
		s.conn.Close()
	}
	return ok
}

func (h *hub) broadcast(line []byte) {
	h.mu.Lock()
	subs := make([]*subscriber, 0, len(h.subs))
	for s := range h.subs {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	for _, s := range subs {
		if !s.lines.TryPut(line) {
			h.drop(s) // its queue is full: it has been slow for a while
		}
	}
}

// finish tells every subscriber that no line follows (a nil line);
// one whose queue is full is dropped.
func (h *hub) finish() {
	h.broadcast(nil)
}

func (h *hub) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func run(w io.Writer, cfg config) error {
	s := iox.New(iox.WithName("push"), iox.WithStats())
	defer s.Close()
	if cfg.live != "" {
		_, stop, err := liveserve.Serve(w, cfg.live, s)
		if err != nil {
			return err
		}
		defer stop()
	}
	l, err := netx.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	h := &hub{subs: map[*subscriber]struct{}{}}

	// The server: netx.Server accepts in a task of its own and serves each
	// connection in a task that writes the lines to it.
	srv := &netx.Server{Handler: func(ctx context.Context, c net.Conn) error {
		c.(*netx.TCPConn).SetWriteBuffer(32 << 10) // a slow reader fills it soon
		sub := &subscriber{conn: c, lines: iox.NewQueue[[]byte](64), task: iox.Current()}
		h.add(sub)
		for {
			line := sub.lines.Get()
			if line == nil { // the end: the client reads what is left, then EOF
				return nil
			}
			err := iox.Timeout(cfg.writeTimeout, func() error {
				_, err := c.Write(line)
				return err
			})
			if errors.Is(err, iox.ErrTimeout) {
				h.drop(sub) // too slow: the scope cut the write short
				return nil
			}
			if err != nil {
				return nil
			}
		}
	}}
	s.Go(func(ctx context.Context) error { return srv.Serve(l) }).SetName("accept")
	defer srv.Close()

	// The clients.
	lat := newLatencies()
	var delivered atomic.Int64
	var connected sync.WaitGroup
	var readers, idlers []*iox.Task
	for i := range cfg.clients + cfg.slow {
		slow := i >= cfg.clients
		connected.Add(1)
		t := s.Go(func(ctx context.Context) error {
			c, err := netx.Dial("tcp", l.Addr().String())
			connected.Done()
			if err != nil {
				return err
			}
			defer c.Close()
			if slow {
				c.(*netx.TCPConn).SetReadBuffer(16 << 10)
				iox.Recv(ctx.Done()) // never reads; gone when killed
				return nil
			}
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					return nil
				}
				sent, _ := strconv.ParseInt(string(line[:strings.IndexByte(string(line), ' ')]), 10, 64)
				lat.add(time.Duration(time.Now().UnixNano() - sent))
				delivered.Add(1)
			}
		})
		if slow {
			idlers = append(idlers, t.SetName("slow client"))
		} else {
			readers = append(readers, t.SetName("client"))
		}
	}
	connected.Wait()
	for h.len() < cfg.clients+cfg.slow { // every client accepted
		iox.Sleep(time.Millisecond)
	}
	span := cfg.duration.String()
	if cfg.lines > 0 {
		span = fmt.Sprintf("%d lines", cfg.lines)
	}
	fmt.Fprintf(w, "%d clients connected (%d of them never read); broadcasting %d lines/s of %d bytes for %s\n",
		cfg.clients+cfg.slow, cfg.slow, cfg.rate, cfg.size, span)

	// The live view.
	start := time.Now()
	stopStatus := make(chan struct{})
	statusDone := make(chan struct{})
	go func() {
		defer close(statusDone)
		tick := time.NewTicker(cfg.status)
		defer tick.Stop()
		last, lastOps := int64(0), int64(0)
		for {
			select {
			case <-stopStatus:
				return
			case <-tick.C:
			}
			d := delivered.Load()
			ops := totalOps(s.Stats())
			fmt.Fprintf(w, "%5.1fs  %s\n", time.Since(start).Seconds(),
				status(s.Snapshot(), float64(d-last)/cfg.status.Seconds(), float64(ops-lastOps)/cfg.status.Seconds(), h.dropped.Load()))
			last, lastOps = d, ops
		}
	}()

	// The broadcaster.
	pad := strings.Repeat("x", max(0, cfg.size-minSize))
	var sent atomic.Int64
	bcast := s.Go(func(ctx context.Context) error {
		tick := iox.NewTicker(time.Second / time.Duration(cfg.rate))
		defer tick.Stop()
		end := iox.Now().Add(cfg.duration)
		for seq := 0; cfg.lines > 0 && seq < cfg.lines || cfg.lines <= 0 && iox.Now().Before(end); seq++ {
			iox.Recv(tick.C)
			h.broadcast([]byte(fmt.Sprintf("%d %d %s\n", time.Now().UnixNano(), seq, pad)))
			sent.Add(1)
		}
		h.finish()
		return nil
	}).SetName("broadcaster")
	if err := bcast.Wait(); err != nil {
		return err
	}
	elapsed := time.Since(start)
	close(stopStatus)
	<-statusDone

	// The clients that keep up read what is left and see EOF; the ones
	// that never read are killed.
	iox.JoinAll(5*time.Second, readers...)
	iox.KillAll(nil, append(readers, idlers...)...)
	iox.JoinAll(5*time.Second, append(readers, idlers...)...)
	n := delivered.Load()
	fmt.Fprintf(w, "sent %d lines to each client; delivered %d lines in %v: %.0f lines/s; latency p50 %v, p99 %v, max %v\n",
		sent.Load(), n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), lat.quantile(0.5), lat.quantile(0.99), lat.quantile(1))
	fmt.Fprintf(w, "dropped %d slow clients (write timeout %v)\n", h.dropped.Load(), cfg.writeTimeout)
	if cfg.clients > 0 && n == 0 {
		return errors.New("no line was delivered")
	}
	return nil
}

// status renders the one-line live view: tasks by state and by the call
// they are blocked in, calls and lines delivered per second, and the
// write blocked longest (a client falling behind shows there first).
func status(snap iox.Snapshot, delivered, ops float64, dropped int64) string {
	states := map[iox.TaskStatus]int{}
	blockedIn := map[iox.OpKind]int{}
	var slowest *iox.TaskState
	for i, t := range snap.Tasks {
		states[t.State]++
		if t.State == iox.Blocked {
			blockedIn[t.Op]++
			if t.Op == iox.OpWrite && slowest == nil {
				slowest = &snap.Tasks[i] // sorted: the longest blocked first
			}
		}
	}
	var kinds []string
	for k, n := range blockedIn {
		kinds = append(kinds, fmt.Sprintf("%d %v", n, k))
	}
	sort.Strings(kinds)
	longest := "none"
	if slowest != nil {
		longest = fmt.Sprintf("task %d to %s for %v", slowest.ID, slowest.Target, slowest.For.Round(time.Millisecond))
	}
	return fmt.Sprintf("tasks %d (blocked: %s) | calls/s %.0f | delivered/s %.0f | dropped %d | longest write: %s",
		len(snap.Tasks), strings.Join(kinds, ", "), ops, delivered, dropped, longest)
}

func totalOps(st *iox.Stats) int64 {
	var n int64
	for _, k := range st.Kinds() {
		n += k.Count
	}
	return n
}

// latencies is a histogram of delivery latencies in buckets 10% apart,
// safe for concurrent use.
type latencies struct {
	buckets [300]atomic.Int64
}

func newLatencies() *latencies { return &latencies{} }

func bucketOf(d time.Duration) int {
	if d < time.Microsecond {
		return 0
	}
	b := int(math.Log(float64(d)/float64(time.Microsecond)) / math.Log(1.1))
	return min(b+1, 299)
}

func (l *latencies) add(d time.Duration) { l.buckets[bucketOf(d)].Add(1) }

// quantile returns the upper bound of the bucket holding the q-quantile.
func (l *latencies) quantile(q float64) time.Duration {
	var counts []int64
	var total int64
	for i := range l.buckets {
		n := l.buckets[i].Load()
		counts = append(counts, n)
		total += n
	}
	if total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(total)))
	var seen int64
	i := sort.Search(len(counts), func(i int) bool {
		seen = 0
		for _, n := range counts[:i+1] {
			seen += n
		}
		return seen >= rank
	})
	return time.Duration(float64(time.Microsecond) * math.Pow(1.1, float64(i))).Round(time.Microsecond)
}
