package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coop-go/coop/internal/apitest"
	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
	"github.com/coop-go/coop/netx"
	"github.com/coop-go/coop/sim"
)

// httpx.Server has every field and method of http.Server, fields in
// net/http's order, and Pool.
func TestServerMirrorsHTTPServer(t *testing.T) {
	std, x := reflect.TypeFor[*http.Server](), reflect.TypeFor[*Server]()
	apitest.Methods(t, std, x)
	var stdFields, xFields []string
	for i := range std.Elem().NumField() {
		if f := std.Elem().Field(i); f.IsExported() {
			stdFields = append(stdFields, f.Name)
		}
	}
	for i := range x.Elem().NumField() {
		if f := x.Elem().Field(i); f.IsExported() && f.Name != "Pool" {
			xFields = append(xFields, f.Name)
		}
	}
	if !slices.Equal(stdFields, xFields) {
		t.Errorf("Server's fields %v, want net/http's order %v", xFields, stdFields)
	}
}

// newSched is a scheduler closed when the test ends, after the servers.
func newSched(t *testing.T, opts ...iox.Option) *iox.Scheduler {
	s := iox.New(opts...)
	t.Cleanup(func() { s.Close() })
	return s
}

// serve serves srv on loopback from a task of s until the test ends, and
// returns its base URL and the task that called Serve.
func serve(t *testing.T, s *iox.Scheduler, srv *Server) (string, *iox.Task) {
	t.Helper()
	if srv.ErrorLog == nil {
		srv.ErrorLog = log.New(io.Discard, "", 0)
	}
	l, err := netx.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	caller := s.Go(func(ctx context.Context) error { return srv.Serve(l) })
	t.Cleanup(func() {
		srv.Close()
		if err := caller.Wait(); err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return "http://" + l.Addr().String(), caller
}

// plainClient is a net/http client of its own, so that the client side
// plays no part in what the server's tests see.
func plainClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 1000}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// taskNamed waits until s has a task of the given name blocked, and
// returns it.
func taskNamed(t *testing.T, s *iox.Scheduler, name string) *iox.Task {
	t.Helper()
	deadline := time.Now().Add(ioxtest.Patience)
	for time.Now().Before(deadline) {
		for _, st := range s.Snapshot().Tasks {
			if st.Name == name && st.State == iox.Blocked {
				return s.Lookup(st.ID)
			}
		}
		time.Sleep(time.Millisecond) // polling the Snapshot, not synchronising
	}
	t.Fatalf("no task %q blocked:\n%v", name, s.Snapshot())
	return nil
}

type result struct {
	status int
	body   string
	err    error
}

func fetchAsync(c *http.Client, url string) chan result {
	ch := make(chan result, 1)
	go func() {
		resp, err := c.Get(url)
		if err != nil {
			ch <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		ch <- result{resp.StatusCode, string(b), err}
	}()
	return ch
}

// Handlers are tasks named "METHOD /path", children of the server's task,
// visible while they block; a kill of one answers 503 if it wrote nothing
// and ends its connection if it did, and other requests go on.
func TestHandlerTasks(t *testing.T) {
	s := newSched(t)
	mux := http.NewServeMux()
	cause := make(chan error, 1)
	mux.HandleFunc("/wait", func(w http.ResponseWriter, r *http.Request) {
		defer func() { cause <- context.Cause(r.Context()) }() // run as the kill unwinds
		iox.Sleep(time.Hour)
	})
	mux.HandleFunc("/part", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("part"))
		w.(http.Flusher).Flush()
		iox.Sleep(time.Hour)
	})
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	url, caller := serve(t, s, &Server{Handler: mux})
	c := plainClient(t)

	waiting := fetchAsync(c, url+"/wait")
	h := taskNamed(t, s, "GET /wait")
	server := h.Parent()
	if server == nil || !strings.HasPrefix(server.Name(), "serve 127.0.0.1:") || server.Parent() != caller {
		t.Fatalf("the handler's parent is %v, want the server's task, a child of Serve's caller", server)
	}
	if r := <-fetchAsync(c, url+"/ok"); r.err != nil || r.body != "ok" {
		t.Fatalf("a request beside a blocked handler: %+v", r)
	}
	h.Kill(errReason)
	if r := <-waiting; r.err != nil || r.status != http.StatusServiceUnavailable {
		t.Fatalf("a killed handler that wrote nothing: %+v, want 503", r)
	}
	if err := h.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("the killed handler ended with %v", err)
	}
	if err := <-cause; !errors.Is(err, errReason) {
		t.Fatalf("the killed handler's r.Context() ended with %v, want the kill", err)
	}

	part := fetchAsync(c, url+"/part")
	h = taskNamed(t, s, "GET /part")
	h.Kill(errReason)
	if r := <-part; r.err == nil {
		t.Fatalf("a killed handler that wrote: %+v, want the connection cut", r)
	}
	if r := <-fetchAsync(c, url+"/ok"); r.err != nil || r.body != "ok" {
		t.Fatalf("a request after the kills: %+v", r)
	}
}

// Shutdown whose context ends kills the handlers still running and
// returns its context's error.
func TestShutdownKillsStragglers(t *testing.T) {
	s := newSched(t)
	srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iox.Sleep(time.Hour)
	})}
	url, _ := serve(t, s, srv)
	c := plainClient(t)
	res := fetchAsync(c, url+"/straggle")
	h := taskNamed(t, s, "GET /straggle")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown = %v, want its context's error", err)
	}
	if err := h.Wait(); !errors.Is(err, iox.ErrKilled) {
		t.Fatalf("the straggler ended with %v, want a kill", err)
	}
	if r := <-res; r.err != nil || r.status != http.StatusServiceUnavailable {
		t.Fatalf("the straggler's client got %+v, want 503", r)
	}
}

// A Pool of 10 never runs 11 handlers, under 1,000 concurrent requests.
func TestServerPool(t *testing.T) {
	s := newSched(t)
	pool := iox.NewPool(10)
	pool.Scheduler = s
	var now, most atomic.Int32
	srv := &Server{Pool: pool, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := now.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		iox.Sleep(time.Millisecond)
		now.Add(-1)
		fmt.Fprint(w, "ok")
	})}
	url, _ := serve(t, s, srv)
	c := plainClient(t)
	const n = 1000
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range n {
		wg.Go(func() {
			if r := <-fetchAsync(c, url+"/"); r.err != nil || r.body != "ok" {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed", failed.Load(), n)
	}
	if m := most.Load(); m > 10 || m < 1 {
		t.Fatalf("at most %d handlers ran at once, want 1 to 10", m)
	}
}

// A handler's panic aborts its connection, as net/http's does, and so
// does ErrAbortHandler; neither answers.
func TestHandlerPanicAborts(t *testing.T) {
	s := newSched(t, iox.WithLog(io.Discard))
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("/abort", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("half"))
		panic(ErrAbortHandler)
	})
	var logged strings.Builder
	var mu sync.Mutex
	srv := &Server{Handler: mux, ErrorLog: log.New(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(p)
	}), "", 0)}
	url, _ := serve(t, s, srv)
	c := plainClient(t)
	for _, path := range []string{"/panic", "/abort"} {
		if r := <-fetchAsync(c, url+path); r.err == nil {
			t.Errorf("%s: %+v, want the connection cut", path, r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "boom") || strings.Contains(logged.String(), "abort") {
		t.Errorf("net/http logged %q, want the panic and not the abort", logged.String())
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// ReadTimeout runs on the scheduler's clock: in a simulated world (a
// synctest bubble), a client that sends half a request is cut off at
// exactly ReadTimeout, in virtual time.
func TestReadTimeoutOnTheSchedulersClock(t *testing.T) {
	sim.Test(t, 1, func(w *sim.World) {
		w.Host("api", func(ctx context.Context) error {
			srv := &Server{ReadTimeout: 3 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
			l, err := netx.Listen("tcp", ":80")
			if err != nil {
				return err
			}
			return srv.Serve(l)
		})
		var c net.Conn
		var err error
		for range 100 { // until the server listens
			if c, err = netx.Dial("tcp", "api:80"); err == nil {
				break
			}
			iox.Sleep(time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		start := iox.Now()
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: api\r\n")); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(make([]byte, 1))
		if d := iox.Now().Sub(start); n != 0 || err == nil || d != 3*time.Second {
			t.Fatalf("read %d, %v after %v, want the conn closed after exactly 3s", n, err, d)
		}
	})
}

// PatchServer gives an unswapped http.Server handler tasks, and undo
// takes them back.
func TestPatchServer(t *testing.T) {
	s := newSched(t)
	var name atomic.Pointer[string]
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := "none"
		if tk := iox.Current(); tk != nil {
			n = tk.Name()
		}
		name.Store(&n)
	})}
	undo := PatchServer(srv)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	caller := s.Go(func(ctx context.Context) error { return srv.Serve(l) })
	c := plainClient(t)
	if r := <-fetchAsync(c, "http://"+l.Addr().String()+"/patched"); r.err != nil || *name.Load() != "GET /patched" {
		t.Fatalf("a patched server's handler ran in %q (%v), want task GET /patched", *name.Load(), r.err)
	}
	srv.Close()
	caller.Wait()
	undo()
	if _, ok := srv.Handler.(*serving); ok || srv.BaseContext != nil {
		t.Fatal("undo left the server patched")
	}
}

// A kill of the server's task ends Serve with the kill and kills its
// handlers: the client of one sees 503.
func TestServerTaskKill(t *testing.T) {
	s := newSched(t)
	srv := &Server{ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iox.Sleep(time.Hour)
	})}
	l, err := netx.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	caller := s.Go(func(ctx context.Context) error { return srv.Serve(l) })
	defer srv.Close()
	res := fetchAsync(plainClient(t), "http://"+l.Addr().String()+"/held")
	h := taskNamed(t, s, "GET /held")
	h.Parent().Kill(errReason)
	if err := caller.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("Serve returned %v, want the kill of its task", err)
	}
	if err := h.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("the handler ended with %v, want its server's kill", err)
	}
	if r := <-res; r.err != nil || r.status != http.StatusServiceUnavailable {
		t.Fatalf("the client got %+v, want 503", r)
	}
}
