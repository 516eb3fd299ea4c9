package sim

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// backlog is how many conns a listener queues before it accepts them:
// a dial to a full queue waits for room.
const backlog = 128

var errListenerClosed = errors.New("sim: listener closed")

// A listener is a TCP listener of a simulated host.
type listener struct {
	host *host
	addr *net.TCPAddr

	mu      sync.Mutex
	queue   []*end
	closed  bool
	changed chan struct{}
	dl      deadline // Accept's, as a *net.TCPListener's SetDeadline sets
}

func newListener(h *host, addr *net.TCPAddr) *listener {
	return &listener{host: h, addr: addr, changed: make(chan struct{})}
}

func (l *listener) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// enqueue queues a dialed conn's server end, waiting while the backlog is
// full, until ctx ends.
func (l *listener) enqueue(ctx context.Context, e *end) error {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return errListenerClosed
		}
		if len(l.queue) < backlog {
			l.queue = append(l.queue, e)
			l.host.mu.Lock()
			l.host.conns[e] = struct{}{}
			l.host.mu.Unlock()
			l.notify()
			l.mu.Unlock()
			return nil
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return dialErr(ctx)
		}
	}
}

// Accept waits for and returns the next conn.
func (l *listener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: net.ErrClosed}
		}
		if len(l.queue) > 0 {
			e := l.queue[0]
			l.queue = l.queue[1:]
			l.notify()
			l.mu.Unlock()
			return e, nil
		}
		changed := l.changed
		l.mu.Unlock()
		if l.dl.passed() {
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: os.ErrDeadlineExceeded}
		}
		select {
		case <-changed:
		case <-l.dl.wait():
		}
	}
}

// SetDeadline sets the deadline of Accept, as *net.TCPListener's: a zero
// t means none. netx's kill and scopes cut an Accept short through it.
func (l *listener) SetDeadline(t time.Time) error {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return &net.OpError{Op: "set", Net: "tcp", Addr: l.addr, Err: net.ErrClosed}
	}
	l.dl.set(t)
	return nil
}

// Close stops listening; the conns not accepted yet are reset.
func (l *listener) Close() error {
	if !l.close(false) {
		return &net.OpError{Op: "close", Net: "tcp", Addr: l.addr, Err: net.ErrClosed}
	}
	return nil
}

// close closes the listener, forgetting it on its host unless the host is
// crashing (it forgets them all); it reports false if it was closed.
func (l *listener) close(crashing bool) bool {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false
	}
	l.closed = true
	l.dl.stop()
	pending := l.queue
	l.queue = nil
	l.notify()
	l.mu.Unlock()
	for _, e := range pending {
		e.reset()
	}
	if !crashing {
		h := l.host
		h.mu.Lock()
		if h.listeners[l.addr.Port] == l {
			delete(h.listeners, l.addr.Port)
		}
		h.mu.Unlock()
	}
	return true
}

func (l *listener) Addr() net.Addr { return l.addr }
