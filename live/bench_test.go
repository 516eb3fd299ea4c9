package live

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// pushLoad is examples/push's pattern at its full speed: a server task
// per connection writes each broadcast line to its client, a client task
// per connection reads them, on loopback TCP; 10,001 tasks for 5,000
// clients.
type pushLoad struct {
	s         *iox.Scheduler
	queues    []*iox.Queue[[]byte]
	delivered atomic.Int64
	want      atomic.Int64
	done      chan struct{}
	line      []byte
	close     func()
}

func newPushLoad(b *testing.B, clients int) *pushLoad {
	b.Helper()
	p := &pushLoad{
		s:    iox.New(iox.WithName("push"), iox.WithStats()),
		done: make(chan struct{}, 1),
		line: []byte(strings.Repeat("x", 255) + "\n"),
	}
	l, err := netx.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	subscribed := make(chan struct{}, clients)
	p.s.Go(func(ctx context.Context) error {
		for {
			c, err := l.Accept()
			if err != nil {
				return nil
			}
			q := iox.NewQueue[[]byte](64)
			mu.Lock()
			p.queues, conns = append(p.queues, q), append(conns, c)
			mu.Unlock()
			subscribed <- struct{}{}
			p.s.Go(func(ctx context.Context) error {
				for {
					if _, err := c.Write(q.Get()); err != nil {
						return nil
					}
				}
			}).SetName("conn")
		}
	}).SetName("accept")
	for range clients {
		c, err := netx.Dial("tcp", l.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		p.s.Go(func(ctx context.Context) error {
			r := bufio.NewReader(c)
			for {
				if _, err := r.ReadSlice('\n'); err != nil {
					return nil
				}
				if p.delivered.Add(1) == p.want.Load() {
					p.done <- struct{}{}
				}
			}
		}).SetName("client")
	}
	for range clients {
		<-subscribed
	}
	p.close = func() {
		l.Close()
		p.s.Close()
		for _, c := range conns {
			c.Close()
		}
	}
	return p
}

// inFlight is how many broadcasts may be on their way at once: enough
// that the program is never idle waiting for the last client, as
// examples/push is not, so that its throughput is what the machine gives.
const inFlight = 8

// broadcast sends the sent-th line to every client, after waiting until
// every client has read the line inFlight before it.
func (p *pushLoad) broadcast(sent int) {
	p.waitDelivered(int64(sent-inFlight) * int64(len(p.queues)))
	for _, q := range p.queues {
		q.Put(p.line)
	}
}

// waitDelivered waits until n lines in all have been read.
func (p *pushLoad) waitDelivered(n int64) {
	p.want.Store(n)
	for p.delivered.Load() < n {
		<-p.done // a token left by an earlier wait only makes this look again
	}
}

// watch polls the handler of s as the open page does every interval,
// until stop is called: the table's first 500 rows and the watchdog's
// reports each time, the stats and the tasks outside coop every fifth
// time.
func watch(b *testing.B, s *iox.Scheduler, interval time.Duration) (stop func()) {
	srv := httptest.NewServer(Handler(s))
	quit := make(chan struct{})
	var wg sync.WaitGroup
	polls := 0
	poll := func() {
		paths := []string{"api/tasks?sort=blocked_ns&desc=true&limit=500", "api/stalls"}
		if polls%5 == 0 {
			paths = append(paths, "api/stats?limit=100", "api/parked")
		}
		polls++
		for _, path := range paths {
			resp, err := http.Get(srv.URL + "/" + path)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	poll() // the page opens: the handler starts recording
	wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				poll()
			}
		}
	})
	return func() {
		close(quit)
		wg.Wait()
		srv.Close()
	}
}

// BenchmarkPageCost measures examples/push's throughput (lines delivered
// per second, to 5,000 clients: 10,001 tasks) and its CPU time per line:
// with no page (closed); with the page open and refreshing every second,
// its default (open), or ten times a second (open-10Hz); and, to tell
// the two halves of the cost apart, with the handler recording every
// call but nobody polling (record: Options.AlwaysRecord), and with the
// scheduler's Snapshot and Stats read once a second and no handler
// (snapshot).
func BenchmarkPageCost(b *testing.B) {
	for _, page := range []struct {
		name  string
		every time.Duration
	}{{"closed", 0}, {"open", time.Second}, {"open-10Hz", 100 * time.Millisecond}, {"record", -1}, {"snapshot", -2}} {
		b.Run("page="+page.name, func(b *testing.B) {
			p := newPushLoad(b, 5000)
			defer p.close()
			if n := len(p.s.Snapshot().Tasks); n < 10000 {
				b.Fatalf("%d tasks, want 10,000 or more", n)
			}
			switch {
			case page.every > 0:
				defer watch(b, p.s, page.every)()
			case page.every == -1:
				NewHandler(p.s, &Options{AlwaysRecord: true})
			case page.every == -2:
				quit := make(chan struct{})
				var wg sync.WaitGroup
				wg.Go(func() {
					tick := time.NewTicker(time.Second)
					defer tick.Stop()
					for {
						p.s.Snapshot()
						p.s.Stats().Targets()
						select {
						case <-quit:
							return
						case <-tick.C:
						}
					}
				})
				defer wg.Wait()
				defer close(quit)
			}
			start, cpu := time.Now(), cpuTime()
			sent := 0
			for b.Loop() {
				sent++
				p.broadcast(sent)
			}
			lines := int64(sent) * int64(len(p.queues))
			p.waitDelivered(lines)
			b.ReportMetric(float64(lines)/time.Since(start).Seconds(), "lines/s")
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(lines), "cpu-ns/line")
		})
	}
}

// BenchmarkDoorIdle measures one call through the door in a task with no
// handler, with a handler mounted that nobody looks at (it observes
// nothing), and with one being looked at (it records every call).
func BenchmarkDoorIdle(b *testing.B) {
	for _, h := range []string{"none", "mounted", "watched"} {
		b.Run("handler="+h, func(b *testing.B) {
			s := iox.New()
			defer s.Close()
			switch h {
			case "mounted":
				Handler(s)
			case "watched":
				defer watch(b, s, time.Hour)()
			}
			nop := func() error { return nil }
			b.ResetTimer()
			cpu := cpuTime()
			s.Go(func(ctx context.Context) error {
				for range b.N {
					iox.Block("nop", nop)
				}
				return nil
			}).Wait()
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkPoll measures the handler's side of one refresh of the open
// page on examples/push's 10,001 tasks and 5,000 targets.
func BenchmarkPoll(b *testing.B) {
	p := newPushLoad(b, 5000)
	defer p.close()
	p.broadcast(1) // every conn has a target in the stats
	p.waitDelivered(int64(len(p.queues)))
	h := Handler(p.s)
	for _, path := range []string{"/api/tasks?sort=blocked_ns&desc=true&limit=500", "/api/stats?limit=100", "/api/stalls", "/api/parked"} {
		b.Run("path="+strings.SplitN(path[5:], "?", 2)[0], func(b *testing.B) {
			cpu, n := cpuTime(), 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != 200 {
					b.Fatal(rec.Body.String())
				}
				n++
			}
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(n), "cpu-ns/op")
		})
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
