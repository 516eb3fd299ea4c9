package httpx

import (
	"context"
	"crypto/tls"
	"maps"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Transport is an implementation of RoundTripper that supports HTTP,
// HTTPS, and HTTP proxies, as http.Transport is, with every round trip a
// blocking call of the coop scheduler: it has http.Transport's fields,
// with their meaning, and its methods, so that code that builds an
// &http.Transport{...} compiles and works unchanged once its import of
// net/http is swapped for httpx.
//
// Underneath is an *http.Transport with the same settings whose
// connections are dialed through netx: a dial is a blocking call (kind
// iox.OpDial), and so are the reads and writes of the connection. On top,
// each round trip is a blocking call (kind iox.OpRoundTrip, target
// "METHOD host", Detail a RoundTripInfo) of the calling task, or of the
// task the request's context carries; so is each read of the response
// body (kind iox.OpRead). A round trip or a body read does not start in a
// killed task or an expired timeout scope; while it blocks it releases the
// turn in Cooperative mode; a kill or a scope that expires meanwhile ends
// it at once with an error matching iox.ErrKilled (and the kill's reason)
// or iox.ErrTimeout. With nothing in force (no task, no scope, nobody
// observing) a round trip goes straight to net/http.
//
// Transports should be reused instead of created as needed, and their
// fields set before first use: as with http.Transport, a change after
// the first request has no effect. Transports are safe for concurrent use
// by multiple goroutines.
//
// HTTP/2 is used where http.Transport would use it: as there, a custom
// dial function or TLSClientConfig turns it off unless ForceAttemptHTTP2
// is set. Without DialTLSContext or DialTLS, net/http runs the TLS
// handshake itself over the netx conn, so the handshake's reads and writes
// are blocking calls. A call of DialTLSContext or DialTLS is a blocking
// call (kind iox.OpDial) whose context ends when the task is killed; its
// connection is used as it is (TLS is above it, and netx wraps only below
// TLS), so its reads and writes are blocking calls if it was dialed with
// tlsx or netx, as a swapped tls.Dialer dials.
//
// The timeouts (TLSHandshakeTimeout, ResponseHeaderTimeout,
// ExpectContinueTimeout, IdleConnTimeout) run on net/http's timers, on
// the machine's clock, as net/http runs them; that is the scheduler's
// clock in Free and Cooperative modes (and a synctest bubble's inside
// one).
type Transport struct {
	// Proxy specifies a function to return a proxy for a given Request;
	// see http.Transport.Proxy.
	Proxy func(*Request) (*url.URL, error)

	// OnProxyConnectResponse is called when the Transport gets an HTTP
	// response from a proxy for a CONNECT request; see
	// http.Transport.OnProxyConnectResponse.
	OnProxyConnectResponse func(ctx context.Context, proxyURL *url.URL, connectReq *Request, connectRes *Response) error

	// DialContext specifies the dial function for creating unencrypted TCP
	// connections; if nil, the transport dials with a zero netx.Dialer.
	// The dial is a blocking call and its connection is wrapped by netx.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// Dial specifies the dial function for creating unencrypted TCP
	// connections.
	//
	// Deprecated: Use DialContext instead, which allows the transport to
	// cancel dials as soon as they are no longer needed. If both are set,
	// DialContext takes priority.
	Dial func(network, addr string) (net.Conn, error)

	// DialTLSContext specifies an optional dial function for creating TLS
	// connections for non-proxied HTTPS requests; see
	// http.Transport.DialTLSContext. Each call is a blocking call whose
	// context a kill ends; its connections are used as they are.
	DialTLSContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// DialTLS specifies an optional dial function for creating TLS
	// connections for non-proxied HTTPS requests.
	//
	// Deprecated: Use DialTLSContext instead, which allows the transport
	// to cancel dials as soon as they are no longer needed. If both are
	// set, DialTLSContext takes priority.
	DialTLS func(network, addr string) (net.Conn, error)

	// TLSClientConfig specifies the TLS configuration to use with
	// tls.Client; see http.Transport.TLSClientConfig.
	TLSClientConfig *tls.Config

	// TLSHandshakeTimeout specifies the maximum amount of time to wait for
	// a TLS handshake. Zero means no timeout.
	TLSHandshakeTimeout time.Duration

	// DisableKeepAlives, if true, disables HTTP keep-alives and will only
	// use the connection to the server for a single HTTP request.
	DisableKeepAlives bool

	// DisableCompression, if true, prevents the Transport from requesting
	// compression with an "Accept-Encoding: gzip" request header; see
	// http.Transport.DisableCompression.
	DisableCompression bool

	// MaxIdleConns controls the maximum number of idle (keep-alive)
	// connections across all hosts. Zero means no limit.
	MaxIdleConns int

	// MaxIdleConnsPerHost, if non-zero, controls the maximum idle
	// (keep-alive) connections to keep per-host. If zero,
	// DefaultMaxIdleConnsPerHost is used.
	MaxIdleConnsPerHost int

	// MaxConnsPerHost optionally limits the total number of connections
	// per host, including connections in the dialing, active, and idle
	// states. On limit violation, dials will block. Zero means no limit.
	// A round trip waiting for a connection is still a blocking call: it
	// releases the turn and ends on a kill.
	MaxConnsPerHost int

	// IdleConnTimeout is the maximum amount of time an idle (keep-alive)
	// connection will remain idle before closing itself. Zero means no
	// limit.
	IdleConnTimeout time.Duration

	// ResponseHeaderTimeout, if non-zero, specifies the amount of time to
	// wait for a server's response headers after fully writing the request
	// (including its body, if any). This time does not include the time
	// to read the response body.
	ResponseHeaderTimeout time.Duration

	// ExpectContinueTimeout, if non-zero, specifies the amount of time to
	// wait for a server's first response headers after fully writing the
	// request headers if the request has an "Expect: 100-continue" header;
	// see http.Transport.ExpectContinueTimeout.
	ExpectContinueTimeout time.Duration

	// TLSNextProto specifies how the Transport switches to an alternate
	// protocol (such as HTTP/2) after a TLS ALPN protocol negotiation; see
	// http.Transport.TLSNextProto.
	TLSNextProto map[string]func(authority string, c *tls.Conn) RoundTripper

	// ProxyConnectHeader optionally specifies headers to send to proxies
	// during CONNECT requests.
	ProxyConnectHeader Header

	// GetProxyConnectHeader optionally specifies a func to return headers
	// to send to proxyURL during a CONNECT request to the ip:port target;
	// see http.Transport.GetProxyConnectHeader.
	GetProxyConnectHeader func(ctx context.Context, proxyURL *url.URL, target string) (Header, error)

	// MaxResponseHeaderBytes specifies a limit on how many response bytes
	// are allowed in the server's response header. Zero means to use a
	// default limit.
	MaxResponseHeaderBytes int64

	// WriteBufferSize specifies the size of the write buffer used when
	// writing to the transport. If zero, a default (currently 4KB) is
	// used.
	WriteBufferSize int

	// ReadBufferSize specifies the size of the read buffer used when
	// reading from the transport. If zero, a default (currently 4KB) is
	// used.
	ReadBufferSize int

	// ForceAttemptHTTP2 controls whether HTTP/2 is enabled when a non-zero
	// Dial, DialTLS, or DialContext func or TLSClientConfig is provided.
	ForceAttemptHTTP2 bool

	// HTTP2 configures HTTP/2 connections; see http.Transport.HTTP2.
	HTTP2 *HTTP2Config

	// Protocols is the set of protocols supported by the transport; see
	// http.Transport.Protocols.
	Protocols *Protocols

	// MaxRequestsPerHost, if positive, limits the number of requests in
	// flight to each host (host and port): a request holds its slot from
	// the start of RoundTrip until its response body is read to its end or
	// closed, or the round trip fails. Unlike MaxConnsPerHost it counts
	// requests, HTTP/2 ones too, and a task that waits for a slot makes a
	// blocking call (kind iox.OpAcquire, target the host) of its own,
	// which releases the turn in Cooperative mode and which a kill, an
	// expired scope or the end of the request's context ends. A response
	// body that is never closed keeps its slot, as it keeps its
	// connection. This field is httpx's; http.Transport has none.
	MaxRequestsPerHost int

	once sync.Once
	base *http.Transport
	rt   roundTripper
}

// init builds the underlying transport from t's fields, once.
func (t *Transport) init() {
	t.once.Do(func() {
		b := &http.Transport{
			Proxy:                  t.Proxy,
			OnProxyConnectResponse: t.OnProxyConnectResponse,
			DialTLSContext:         t.DialTLSContext,
			TLSClientConfig:        t.TLSClientConfig,
			TLSHandshakeTimeout:    t.TLSHandshakeTimeout,
			DisableKeepAlives:      t.DisableKeepAlives,
			DisableCompression:     t.DisableCompression,
			MaxIdleConns:           t.MaxIdleConns,
			MaxIdleConnsPerHost:    t.MaxIdleConnsPerHost,
			MaxConnsPerHost:        t.MaxConnsPerHost,
			IdleConnTimeout:        t.IdleConnTimeout,
			ResponseHeaderTimeout:  t.ResponseHeaderTimeout,
			ExpectContinueTimeout:  t.ExpectContinueTimeout,
			TLSNextProto:           t.TLSNextProto,
			ProxyConnectHeader:     t.ProxyConnectHeader,
			GetProxyConnectHeader:  t.GetProxyConnectHeader,
			MaxResponseHeaderBytes: t.MaxResponseHeaderBytes,
			WriteBufferSize:        t.WriteBufferSize,
			ReadBufferSize:         t.ReadBufferSize,
			ForceAttemptHTTP2:      t.ForceAttemptHTTP2,
			HTTP2:                  t.HTTP2,
			Protocols:              t.Protocols,
			DialContext:            t.DialContext,
		}
		//lint:ignore SA1019 the deprecated fields are passed on as they were given
		b.Dial, b.DialTLS = t.Dial, t.DialTLS
		netxDialing(b)
		t.base = b
		t.rt.base = b
		if t.MaxRequestsPerHost > 0 {
			t.rt.limit = newHostLimit(t.MaxRequestsPerHost)
		}
	})
}

// netxDialing makes b, an *http.Transport not used yet, dial through
// netx, keeping HTTP/2 on if b would have used it: net/http turns it off
// for a transport with a custom dial function unless ForceAttemptHTTP2
// is set, and netx's dialing is not the user's custom.
func netxDialing(b *http.Transport) {
	//lint:ignore SA1019 net/http still honours the deprecated fields
	dial, dialTLS := b.Dial, b.DialTLS
	if b.Protocols == nil && b.TLSNextProto == nil && b.TLSClientConfig == nil &&
		b.DialContext == nil && dial == nil && b.DialTLSContext == nil && dialTLS == nil {
		b.ForceAttemptHTTP2 = true
	}
	b.DialContext = dialer(b.DialContext, dial)
	b.DialTLSContext = wrapDialTLS(b.DialTLSContext, dialTLS)
	//lint:ignore SA1019 DialContext and DialTLSContext take their places
	b.Dial, b.DialTLS = nil, nil
}

// RoundTrip implements the RoundTripper interface: it sends req and
// returns its response, as http.Transport.RoundTrip, as a blocking call
// (see Transport).
//
// For higher-level HTTP client support (such as handling of cookies and
// redirects), see Get, Post, and the Client type.
//
// Like the RoundTripper interface, the error types returned by RoundTrip
// are unspecified.
func (t *Transport) RoundTrip(req *Request) (*Response, error) {
	t.init()
	return t.rt.RoundTrip(req)
}

// CloseIdleConnections closes any connections which were previously
// connected from previous requests but are now sitting idle in a
// "keep-alive" state. It does not interrupt any connections currently in
// use.
func (t *Transport) CloseIdleConnections() {
	t.init()
	t.base.CloseIdleConnections()
}

// RegisterProtocol registers a new protocol with scheme. The Transport
// will pass requests using the given scheme to rt; see
// http.Transport.RegisterProtocol. Requests passed to rt are still
// blocking calls of the scheduler. If rt.RoundTrip returns
// ErrSkipAltProtocol, the Transport will handle the RoundTrip itself for
// that one request, as if the protocol were not registered.
//
// RegisterProtocol panics if scheme is already registered.
func (t *Transport) RegisterProtocol(scheme string, rt RoundTripper) {
	t.init()
	t.base.RegisterProtocol(scheme, rt)
}

// CancelRequest cancels an in-flight request by closing its connection.
// CancelRequest should only be called after RoundTrip has returned.
//
// Deprecated: Use Request.WithContext to create a request with a
// cancelable context instead. CancelRequest cannot cancel HTTP/2
// requests. This may become a no-op in a future release of Go.
func (t *Transport) CancelRequest(req *Request) {
	t.init()
	if !t.rt.cancel(req) {
		t.base.CancelRequest(req)
	}
}

// Clone returns a deep copy of t's exported fields, as
// http.Transport.Clone does.
func (t *Transport) Clone() *Transport {
	t2 := &Transport{
		Proxy:                  t.Proxy,
		OnProxyConnectResponse: t.OnProxyConnectResponse,
		DialContext:            t.DialContext,
		Dial:                   t.Dial,
		DialTLS:                t.DialTLS,
		DialTLSContext:         t.DialTLSContext,
		TLSHandshakeTimeout:    t.TLSHandshakeTimeout,
		DisableKeepAlives:      t.DisableKeepAlives,
		DisableCompression:     t.DisableCompression,
		MaxIdleConns:           t.MaxIdleConns,
		MaxIdleConnsPerHost:    t.MaxIdleConnsPerHost,
		MaxConnsPerHost:        t.MaxConnsPerHost,
		IdleConnTimeout:        t.IdleConnTimeout,
		ResponseHeaderTimeout:  t.ResponseHeaderTimeout,
		ExpectContinueTimeout:  t.ExpectContinueTimeout,
		ProxyConnectHeader:     t.ProxyConnectHeader.Clone(),
		GetProxyConnectHeader:  t.GetProxyConnectHeader,
		MaxResponseHeaderBytes: t.MaxResponseHeaderBytes,
		ForceAttemptHTTP2:      t.ForceAttemptHTTP2,
		WriteBufferSize:        t.WriteBufferSize,
		ReadBufferSize:         t.ReadBufferSize,
		TLSNextProto:           maps.Clone(t.TLSNextProto),
		MaxRequestsPerHost:     t.MaxRequestsPerHost,
	}
	if t.TLSClientConfig != nil {
		t2.TLSClientConfig = t.TLSClientConfig.Clone()
	}
	if t.HTTP2 != nil {
		t2.HTTP2 = &HTTP2Config{}
		*t2.HTTP2 = *t.HTTP2
	}
	if t.Protocols != nil {
		t2.Protocols = &Protocols{}
		*t2.Protocols = *t.Protocols
	}
	return t2
}
