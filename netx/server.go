package netx

import (
	"context"
	"errors"
	"net"
	"sync"

	"github.com/coop-go/coop/iox"
)

// A Server serves a stream listener a task per connection, as gevent's
// StreamServer does a greenlet per connection: Serve runs the accept loop
// in a task of its own, the server's task (named "serve ADDR", a child of
// the calling task if there is one), and serves each connection it
// accepts in a task named "conn REMOTE-ADDR", a child of the server's
// task, from Pool if one is set. Shutdown stops accepting and waits for
// the connections' tasks, killing those still running when its context
// ends; Close kills them at once. A Server is safe for concurrent use;
// set its fields before the first Serve.
type Server struct {
	// Handler serves one connection, in its task; the connection is
	// closed when it returns. The task ends with its error.
	Handler func(ctx context.Context, c net.Conn) error

	// Pool, if not nil, runs the connections' tasks, so that at most its
	// size of them run at once (gevent's StreamServer(spawn=Pool(n))):
	// the accept loop waits for a free slot before it accepts again.
	Pool *iox.Pool

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*iox.Task]struct{}
	idle      chan struct{} // closed when the last conn task ends after shutdown
	closed    bool
}

// errServerClosed is the reason Close kills the connections' tasks
// with.
var errServerClosed = errors.New("netx: Server closed")

// Serve is a Server serving l with handler; see Server.
func Serve(l net.Listener, handler func(ctx context.Context, c net.Conn) error) error {
	return (&Server{Handler: handler}).Serve(l)
}

// Serve accepts connections on l and serves each in a task of its own
// until Shutdown or Close, when it returns nil, or until an Accept fails
// (the server's task killed, l closed), when it closes l and returns the
// error. It panics if srv.Handler is nil.
func (srv *Server) Serve(l net.Listener) error {
	if srv.Handler == nil {
		panic("netx: Server.Serve with a nil Handler")
	}
	srv.mu.Lock()
	if srv.closed {
		srv.mu.Unlock()
		l.Close()
		return nil
	}
	if srv.listeners == nil {
		srv.listeners = map[net.Listener]struct{}{}
		srv.conns = map[*iox.Task]struct{}{}
	}
	srv.listeners[l] = struct{}{}
	srv.mu.Unlock()
	t := iox.Spawn(func(ctx context.Context) error { return srv.accept(l) })
	t.SetName("serve " + l.Addr().String())
	err := t.Wait()
	srv.mu.Lock()
	delete(srv.listeners, l)
	closed := srv.closed
	srv.mu.Unlock()
	l.Close()
	if closed {
		return nil
	}
	return err
}

// accept is the accept loop, in the server's task.
func (srv *Server) accept(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		serve := func(ctx context.Context) error {
			defer c.Close()
			return srv.Handler(ctx, c)
		}
		var t *iox.Task
		if srv.Pool != nil {
			t = srv.Pool.Go(serve)
		} else {
			t = iox.Spawn(serve)
		}
		t.SetName("conn " + c.RemoteAddr().String())
		srv.mu.Lock()
		srv.conns[t] = struct{}{}
		closed := srv.closed
		srv.mu.Unlock()
		if closed {
			t.Kill(errServerClosed)
		}
		go srv.forget(t)
	}
}

// forget drops t from the conns once it has ended.
func (srv *Server) forget(t *iox.Task) {
	<-t.Done()
	srv.mu.Lock()
	delete(srv.conns, t)
	if srv.closed && len(srv.conns) == 0 && srv.idle != nil {
		close(srv.idle)
		srv.idle = nil
	}
	srv.mu.Unlock()
}

// stop marks srv closed, closes its listeners, and returns its
// connections' tasks and a channel closed when they have all ended.
func (srv *Server) stop() ([]*iox.Task, <-chan struct{}) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.closed = true
	for l := range srv.listeners {
		l.Close()
	}
	tasks := make([]*iox.Task, 0, len(srv.conns))
	for t := range srv.conns {
		tasks = append(tasks, t)
	}
	idle := make(chan struct{})
	if len(srv.conns) == 0 {
		close(idle)
	} else {
		srv.idle = idle
	}
	return tasks, idle
}

// Shutdown stops srv accepting and waits for its connections' tasks to
// end; if ctx ends first, it kills them with ctx's cause, waits for them
// and returns ctx's error. The wait is a blocking call.
func (srv *Server) Shutdown(ctx context.Context) error {
	tasks, idle := srv.stop()
	stop := context.AfterFunc(ctx, func() { iox.KillAll(context.Cause(ctx), tasks...) })
	defer stop()
	iox.Recv(idle)
	if !stop() && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// Close stops srv accepting, kills its connections' tasks, and waits
// for them to end.
func (srv *Server) Close() error {
	tasks, idle := srv.stop()
	iox.KillAll(errServerClosed, tasks...)
	iox.Recv(idle)
	return nil
}
