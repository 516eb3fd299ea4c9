package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// Server is net/http's Server, field for field and method for method,
// with its requests made tasks: ListenAndServe and ListenAndServeTLS
// listen through netx, Serve and ServeTLS run as a task of their own (the
// server's task, named "serve ADDR", a child of the calling task if there
// is one), and each request's handler runs as a task named "METHOD /path",
// a child of the server's task, as gevent's servers spawn a greenlet per
// request. A handler task is visible in Snapshot, killable, and
// r.Context() is cancelled by its kill; a handler killed before it wrote
// anything answers 503 Service Unavailable, one killed after ends its
// connection, as net/http does for a handler that panics with
// ErrAbortHandler. A handler's panic aborts its connection as net/http's
// does, and ErrAbortHandler aborts it silently. ReadTimeout, WriteTimeout
// and the other timeouts are set as deadlines on netx conns, so they run
// on the scheduler's clock.
//
// Server is httpx's own type, not an alias of http.Server as most of
// httpx's names are, because an alias would keep net/http's methods:
// code with its import of net/http swapped for httpx that builds an
// &http.Server{...} and calls its ListenAndServe would listen with package
// net and make no task. Its fields mirror http.Server's in the same order
// (TestServerMirrorsHTTPServer checks it), and it adds one, Pool. Under it
// is an http.Server, made from the fields at the first call of a method:
// set them before, as net/http asks too. A handler that looks up
// ServerContextKey finds the *Server. A program that cannot swap its
// import gets the same per-request tasks with PatchServer.
type Server struct {
	// Addr is http.Server's: the TCP address to listen on, ":http" if
	// empty.
	Addr string

	// Handler handles the requests, http.DefaultServeMux if nil.
	Handler Handler

	// DisableGeneralOptionsHandler is http.Server's.
	DisableGeneralOptionsHandler bool

	// TLSConfig is http.Server's.
	TLSConfig *tls.Config

	// ReadTimeout, ReadHeaderTimeout, WriteTimeout and IdleTimeout are
	// http.Server's, kept on the scheduler's clock.
	ReadTimeout       time.Duration
	ReadHeaderTimeout time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration

	// MaxHeaderBytes is http.Server's.
	MaxHeaderBytes int

	// TLSNextProto is http.Server's; it is given the http.Server under
	// the Server.
	TLSNextProto map[string]func(*http.Server, *tls.Conn, http.Handler)

	// ConnState is http.Server's.
	ConnState func(net.Conn, ConnState)

	// ErrorLog is http.Server's.
	ErrorLog *log.Logger

	// BaseContext and ConnContext are http.Server's. The handler tasks
	// keep the values of the contexts they return.
	BaseContext func(net.Listener) context.Context
	ConnContext func(ctx context.Context, c net.Conn) context.Context

	// HTTP2 and Protocols are http.Server's.
	HTTP2     *HTTP2Config
	Protocols *Protocols

	// Pool, if not nil, runs the handler tasks, so that at most its size
	// of them run at once, as gevent's StreamServer(spawn=Pool(n)): a
	// request that finds it full waits for a free slot. Its tasks are not
	// children of the server's task; Shutdown and Close still end them.
	Pool *iox.Pool

	mu  sync.Mutex
	std *http.Server // made at the first use
	st  *serving
}

// ListenAndServe listens on srv.Addr through netx and calls Serve.
func (srv *Server) ListenAndServe() error {
	std := srv.get()
	if srv.shuttingDown() {
		return ErrServerClosed
	}
	l, err := netx.Listen("tcp", addrOr(std.Addr, ":http"))
	if err != nil {
		return err
	}
	return srv.Serve(l)
}

// ListenAndServeTLS listens on srv.Addr through netx and calls ServeTLS.
func (srv *Server) ListenAndServeTLS(certFile, keyFile string) error {
	std := srv.get()
	if srv.shuttingDown() {
		return ErrServerClosed
	}
	l, err := netx.Listen("tcp", addrOr(std.Addr, ":https"))
	if err != nil {
		return err
	}
	return srv.ServeTLS(l, certFile, keyFile)
}

// Serve accepts connections on l and serves each request in a task of
// its own; see Server. It runs http.Server's Serve in the server's task
// and returns what that returns: ErrServerClosed after Shutdown or Close,
// the kill's error if the server's task was killed.
func (srv *Server) Serve(l net.Listener) error {
	std := srv.get()
	return srv.run(l, func() error { return std.Serve(l) })
}

// ServeTLS is Serve over TLS, as http.Server's ServeTLS.
func (srv *Server) ServeTLS(l net.Listener, certFile, keyFile string) error {
	std := srv.get()
	return srv.run(l, func() error { return std.ServeTLS(l, certFile, keyFile) })
}

// run runs serve in the server's task, and waits for it.
func (srv *Server) run(l net.Listener, serve func() error) error {
	t := iox.Spawn(func(ctx context.Context) error { return serve() })
	t.SetName("serve " + l.Addr().String())
	err := t.Wait()
	if errors.Is(err, iox.ErrKilled) {
		// The server's task was killed: so are its handlers, which
		// are its children, and those of a Pool, which are not.
		srv.st.killAll(err)
	}
	return err
}

// Shutdown is http.Server's Shutdown: it stops accepting, closes idle
// connections, and waits for the requests in flight; when ctx ends first
// it kills the handler tasks still running, with ctx's cause, and returns
// ctx's error. A killed handler ends at its next blocking call.
func (srv *Server) Shutdown(ctx context.Context) error {
	std := srv.get()
	err := std.Shutdown(ctx)
	if err != nil {
		srv.st.killAll(context.Cause(ctx))
	}
	return err
}

// Close is http.Server's Close: it closes the listeners and the
// connections at once, and kills the handler tasks still running with
// ErrServerClosed.
func (srv *Server) Close() error {
	std := srv.get()
	srv.mu.Lock()
	srv.st.closed = true
	srv.mu.Unlock()
	err := std.Close()
	srv.st.killAll(ErrServerClosed)
	return err
}

// RegisterOnShutdown is http.Server's.
func (srv *Server) RegisterOnShutdown(f func()) { srv.get().RegisterOnShutdown(f) }

// SetKeepAlivesEnabled is http.Server's.
func (srv *Server) SetKeepAlivesEnabled(v bool) { srv.get().SetKeepAlivesEnabled(v) }

// shuttingDown reports whether Shutdown or Close was called.
func (srv *Server) shuttingDown() bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.st.closed
}

// get returns the http.Server under srv, making it from srv's fields at
// the first call.
func (srv *Server) get() *http.Server {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.std != nil {
		return srv.std
	}
	std := &http.Server{
		Addr:                         srv.Addr,
		Handler:                      srv.Handler,
		DisableGeneralOptionsHandler: srv.DisableGeneralOptionsHandler,
		TLSConfig:                    srv.TLSConfig,
		ReadTimeout:                  srv.ReadTimeout,
		ReadHeaderTimeout:            srv.ReadHeaderTimeout,
		WriteTimeout:                 srv.WriteTimeout,
		IdleTimeout:                  srv.IdleTimeout,
		MaxHeaderBytes:               srv.MaxHeaderBytes,
		TLSNextProto:                 srv.TLSNextProto,
		ConnState:                    srv.ConnState,
		ErrorLog:                     srv.ErrorLog,
		BaseContext:                  srv.BaseContext,
		ConnContext:                  srv.ConnContext,
		HTTP2:                        srv.HTTP2,
		Protocols:                    srv.Protocols,
	}
	srv.st = patchServer(std, srv.Pool, srv)
	std.RegisterOnShutdown(func() {
		srv.mu.Lock()
		srv.st.closed = true
		srv.mu.Unlock()
	})
	srv.std = std
	return std
}

func addrOr(addr, def string) string {
	if addr == "" {
		return def
	}
	return addr
}

// PatchServer gives an http.Server of code that still imports net/http
// what Server has: each request's handler runs as a task named
// "METHOD /path" (a child of the task that calls Serve, if one does, on
// its scheduler, else on iox.Default()), visible in Snapshot, killable,
// with r.Context() cancelled by its kill; a killed handler that wrote
// nothing answers 503, one that wrote ends its connection; panics and
// ErrAbortHandler behave as net/http's. Call it once at startup, before
// srv serves; it wraps srv.Handler, srv.BaseContext and srv.ConnContext,
// and undo puts them back.
//
// What it cannot give: srv.ListenAndServe listens with package net, so
// the accepts and the conns' reads and writes are no blocking calls of
// the scheduler and its timeouts run on the wall clock (serve with
// srv.Serve(l) on an l from netx.Listen for those), and net/http's
// Shutdown does not kill the handlers still running when its context
// ends (Server's does).
func PatchServer(srv *http.Server) (undo func()) {
	h, base, conn := srv.Handler, srv.BaseContext, srv.ConnContext
	patchServer(srv, nil, nil)
	var once sync.Once
	return func() {
		once.Do(func() { srv.Handler, srv.BaseContext, srv.ConnContext = h, base, conn })
	}
}

// patchServer wraps std's Handler, BaseContext and ConnContext so that
// its requests run as tasks; owner, if not nil, is the Server that
// ServerContextKey names.
func patchServer(std *http.Server, pool *iox.Pool, owner *Server) *serving {
	st := &serving{h: std.Handler, pool: pool, live: make(map[*iox.Task]struct{})}
	if st.h == nil {
		st.h = http.DefaultServeMux
	}
	std.Handler = st
	base := std.BaseContext
	std.BaseContext = func(l net.Listener) context.Context {
		ctx := context.Background()
		if base != nil {
			ctx = base(l)
		}
		// Serve calls BaseContext on its own goroutine: in the server's
		// task, whose task the handlers' contexts carry, so that they are
		// its children. Not its cancellation: the server's task ends when
		// Serve returns, and a graceful Shutdown lets requests finish.
		if t := iox.Current(); t != nil {
			ctx = &withTask{Context: context.WithValue(ctx, serverTaskKey{}, t), task: context.WithoutCancel(t.Context())}
		}
		return ctx
	}
	if owner != nil {
		conn := std.ConnContext
		std.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
			ctx = context.WithValue(ctx, http.ServerContextKey, owner)
			if conn != nil {
				ctx = conn(ctx, c)
			}
			return ctx
		}
	}
	return st
}

// withTask is a context with the values of another behind its own.
type withTask struct {
	context.Context
	task context.Context
}

func (c *withTask) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.task.Value(key)
}

// serving is the state of a server whose requests run as tasks: the
// Handler net/http calls.
type serving struct {
	h    http.Handler
	pool *iox.Pool

	mu     sync.Mutex
	live   map[*iox.Task]struct{} // handler tasks running
	closed bool                   // Shutdown or Close was called; under Server.mu
	killed error                  // killAll's reason, for tasks that start after it
}

// killAll kills the handler tasks running, and those that start later.
func (st *serving) killAll(reason error) {
	if st == nil {
		return
	}
	st.mu.Lock()
	if st.killed == nil {
		st.killed = reason
	}
	tasks := make([]*iox.Task, 0, len(st.live))
	for t := range st.live {
		tasks = append(tasks, t)
	}
	st.mu.Unlock()
	iox.KillAll(reason, tasks...)
}

// ServeHTTP runs the handler for r as a task, and waits for it, on
// net/http's goroutine for the connection.
func (st *serving) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tw := &taskWriter{ResponseWriter: w}
	var returned, abort bool
	name := r.Method + " " + r.URL.Path
	serve := func(ctx context.Context) error {
		// Named on its own goroutine before the handler runs, so that the
		// handler never sees another name (SetName after the start below
		// races with it).
		if t := iox.Current(); t != nil {
			t.SetName(name)
		}
		defer func() {
			if returned {
				return
			}
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					abort = true // net/http's silent abort, not a crash of the task
					return
				}
				panic(v) // a crash of the task; net/http's goroutine panics with it below
			}
		}()
		st.h.ServeHTTP(tw, r.WithContext(ctx))
		returned = true
		return nil
	}
	var t *iox.Task
	if st.pool != nil {
		rctx := r.Context()
		t = st.pool.Go(func(ctx context.Context) error {
			return serve(&withTask{Context: ctx, task: rctx})
		})
	} else {
		t = sched(r.Context()).GoContext(r.Context(), serve)
	}
	t.SetName(name) // for Snapshot, at once
	st.mu.Lock()
	st.live[t] = struct{}{}
	reason := st.killed
	st.mu.Unlock()
	if reason != nil {
		t.Kill(reason)
	}
	err := t.Wait()
	st.mu.Lock()
	delete(st.live, t)
	st.mu.Unlock()
	switch {
	case returned || tw.hijacked:
	case abort:
		panic(http.ErrAbortHandler)
	default:
		if p, ok := err.(*iox.PanicError); ok {
			panic(p.Value)
		}
		// Killed, or its scope expired, before it returned.
		if !tw.wrote {
			w.Header().Set("Connection", "close")
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		}
		panic(http.ErrAbortHandler)
	}
}

// serverTaskKey is the key of the server's task in its requests'
// contexts.
type serverTaskKey struct{}

// sched is the scheduler of the server's task, or iox.Default().
func sched(ctx context.Context) *iox.Scheduler {
	if t, ok := ctx.Value(serverTaskKey{}).(*iox.Task); ok {
		return t.Scheduler()
	}
	return iox.Default()
}

// ListenAndServe is http.ListenAndServe with a Server: it listens on addr
// through netx and serves each request in a task; see Server.
func ListenAndServe(addr string, handler Handler) error {
	return (&Server{Addr: addr, Handler: handler}).ListenAndServe()
}

// ListenAndServeTLS is http.ListenAndServeTLS with a Server; see
// ListenAndServe.
func ListenAndServeTLS(addr, certFile, keyFile string, handler Handler) error {
	return (&Server{Addr: addr, Handler: handler}).ListenAndServeTLS(certFile, keyFile)
}

// Serve is http.Serve with a Server: each request on l is served in a
// task; see Server.
func Serve(l net.Listener, handler Handler) error {
	return (&Server{Handler: handler}).Serve(l)
}

// ServeTLS is http.ServeTLS with a Server; see Serve.
func ServeTLS(l net.Listener, handler Handler, certFile, keyFile string) error {
	return (&Server{Handler: handler}).ServeTLS(l, certFile, keyFile)
}
