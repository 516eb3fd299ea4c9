package httpx

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/coop-go/coop/iox"
)

// A hostLimit bounds the requests in flight to each host, as
// Transport.MaxRequestsPerHost says. A host's slots exist while someone
// holds or waits for one.
type hostLimit struct {
	max   int
	mu    sync.Mutex
	hosts map[string]*hostSlots
}

type hostSlots struct {
	sem   chan struct{}
	users int // holding or waiting; under hostLimit.mu
}

func newHostLimit(max int) *hostLimit {
	return &hostLimit{max: max, hosts: map[string]*hostSlots{}}
}

// acquire waits for a slot of host and returns the function that gives it
// back. Waiting is a blocking call (kind iox.OpAcquire, target host) made
// only when every slot is taken: it releases the turn in Cooperative
// mode, and a kill, an expired scope or the end of ctx ends it with that
// error.
func (l *hostLimit) acquire(ctx context.Context, host string) (release func(), err error) {
	l.mu.Lock()
	h := l.hosts[host]
	if h == nil {
		h = &hostSlots{sem: make(chan struct{}, l.max)}
		l.hosts[host] = h
	}
	h.users++
	l.mu.Unlock()
	release = func() {
		<-h.sem
		l.leave(host, h)
	}
	select {
	case h.sem <- struct{}{}:
		return release, nil
	default:
	}
	op, err := iox.Begin(ctx, iox.OpAcquire, host)
	if err == nil {
		wctx, cancel := op.Context(ctx)
		select {
		case h.sem <- struct{}{}:
		case <-wctx.Done():
			err = context.Cause(wctx)
		}
		cancel()
		err = op.End(0, err)
	}
	if err != nil {
		l.leave(host, h)
		return nil, err
	}
	return release, nil
}

// leave forgets a holder or waiter of h, and h itself once it has none.
func (l *hostLimit) leave(host string, h *hostSlots) {
	l.mu.Lock()
	if h.users--; h.users == 0 {
		delete(l.hosts, host)
	}
	l.mu.Unlock()
}

// hostKey returns the host and port a request to u goes to, as the key of
// its slots and the target of its waits.
func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
