package httpx

import (
	"crypto/tls"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// RoundTripInfo is the Detail of the event of an HTTP round trip (kind
// iox.OpRoundTrip): what net/http/httptrace saw of it. A phase the round
// trip did not go through has a zero duration: a reused connection needs
// no DNS, connect or TLS. Durations are measured on the scheduler's clock.
type RoundTripInfo struct {
	Attempt   int           // the retry client's attempt this round trip belongs to, from 1; 0 outside one
	Status    int           // the response's status code; 0 if the round trip failed
	Proto     string        // the response's protocol, as "HTTP/1.1" or "HTTP/2.0"
	Reused    bool          // the connection had carried an earlier request
	DNS       time.Duration // resolving the host's name
	Connect   time.Duration // connecting, from the first attempt to the connection that won
	TLS       time.Duration // the TLS handshake
	FirstByte time.Duration // from the start of the round trip to the response's first byte
}

// A tracer gathers the phases of one round trip. Its hooks run on
// whichever goroutine net/http runs them on, the dialing goroutine among
// them, and may still run after the round trip has returned (a dial that
// lost the race to an idle connection finishes later): hence the lock.
type tracer struct {
	now       func() time.Time // the scheduler's clock
	mu        sync.Mutex
	start     time.Time
	dnsStart  time.Time
	connStart time.Time
	tlsStart  time.Time
	info      RoundTripInfo
}

// clientTrace starts tr's clock and returns the hooks that feed it.
func (tr *tracer) clientTrace() *httptrace.ClientTrace {
	tr.start = tr.now()
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) {
			tr.mu.Lock()
			tr.dnsStart = tr.now()
			tr.mu.Unlock()
		},
		DNSDone: func(httptrace.DNSDoneInfo) {
			tr.mu.Lock()
			tr.info.DNS = tr.now().Sub(tr.dnsStart)
			tr.mu.Unlock()
		},
		ConnectStart: func(network, addr string) {
			tr.mu.Lock()
			if tr.connStart.IsZero() {
				tr.connStart = tr.now()
			}
			tr.mu.Unlock()
		},
		ConnectDone: func(network, addr string, err error) {
			if err != nil {
				return
			}
			tr.mu.Lock()
			tr.info.Connect = tr.now().Sub(tr.connStart)
			tr.mu.Unlock()
		},
		TLSHandshakeStart: func() {
			tr.mu.Lock()
			tr.tlsStart = tr.now()
			tr.mu.Unlock()
		},
		TLSHandshakeDone: func(tls.ConnectionState, error) {
			tr.mu.Lock()
			tr.info.TLS = tr.now().Sub(tr.tlsStart)
			tr.mu.Unlock()
		},
		GotConn: func(ci httptrace.GotConnInfo) {
			tr.mu.Lock()
			tr.info.Reused = ci.Reused
			tr.mu.Unlock()
		},
		GotFirstResponseByte: func() {
			tr.mu.Lock()
			tr.info.FirstByte = tr.now().Sub(tr.start)
			tr.mu.Unlock()
		},
	}
}

// result returns what the tracer saw, with the response's status and
// protocol (resp may be nil) and the attempt number.
func (tr *tracer) result(resp *http.Response, attempt int) RoundTripInfo {
	tr.mu.Lock()
	info := tr.info
	tr.mu.Unlock()
	info.Attempt = attempt
	if resp != nil {
		info.Status, info.Proto = resp.StatusCode, resp.Proto
	}
	return info
}
