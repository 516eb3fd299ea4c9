// Package httpx provides net/http with every client request made through
// the coop scheduler, as gevent's patched urllib and httplib make Python's
// HTTP clients cooperative. Each round trip, each read of a response body,
// and underneath each dial, read and write of a connection is a blocking
// call of the calling task: reported (kind, target, time, bytes, error,
// and the round trip's phases), failing at once in a killed task or an
// expired timeout scope, cut short when a kill or a scope lands while it
// blocks, and in Cooperative mode giving the turn up while it waits. On a
// goroutine that is no task, outside any scope and with nobody watching,
// a request goes straight to net/http.
//
// # How to swap
//
// Swap the import in code that makes requests:
//
//	import http "github.com/coop-go/coop/httpx"
//
// Every exported name of net/http exists in httpx, server side included.
// Types are aliases of net/http's (Request, Response, Client, Header,
// Handler...), constants, variables and functions that make no request
// are forwarded, and Get, Head, Post, PostForm, DefaultClient,
// DefaultTransport and the Transport type are httpx's own: a Transport has
// every field and method of http.Transport, so &http.Transport{...} and
// http.DefaultTransport.(*http.Transport) keep compiling and working after
// the swap. Or keep the import and build clients with NewClient, or give
// a Client an httpx Transport:
//
//	client := httpx.NewClient()
//	client := &http.Client{Transport: &httpx.Transport{MaxIdleConnsPerHost: 16}}
//
// # Server side
//
// In swapped code http.ListenAndServe, http.Serve, their TLS forms and
// (*http.Server)'s methods are Server's: they listen through netx, run
// the accept loop in the server's task, and each request's handler in a
// task named "METHOD /path", a child of it: visible in Snapshot, killable
// (503 if it wrote nothing, else its connection ends), bounded by the
// server's timeouts on the scheduler's clock, limited by Server.Pool.
// Shutdown kills the handlers still running when its context ends. An
// http.Server of code that keeps its import gets the per-request tasks
// with one call, PatchServer(srv), before it serves.
//
// # Which requests reach the scheduler
//
// A row per way of making a request, and what a kill of the task that
// makes it does ("reaches": the round trip is a blocking call, a kill
// ends it at once; "escapes": the task waits inside net/http, a kill
// does not end the request). Client.Get, Head and Post, which build their
// request with a background context, behave as the row of their client.
// Each row has a test (table_test.go).
//
//	way of making a request                       swapped  PatchDefault  both
//	http.Get, Head, Post, PostForm, DefaultClient  reaches  reaches       reaches
//	&http.Client{Transport: &http.Transport{}}     reaches  escapes       reaches
//	http.DefaultTransport.(*http.Transport).
//	    Clone(), before or after PatchDefault      reaches  escapes (1)   reaches
//	&http.Client{Timeout: t}, nil Transport        escapes  escapes (1)   escapes (1)
//	a request with a task's context, any client    reaches  killable (2) reaches
//
// "swapped" is code that imports httpx as http (the names are httpx's),
// "PatchDefault" code that keeps net/http with PatchDefault called.
//
//  1. The client uses an *http.Transport: net/http's type, whose
//     RoundTrip waits for the response in a select of its own, on the
//     calling goroutine, with no hook that coop could reach, and whose
//     requests carry the background context. After PatchDefault its
//     dials, reads and writes go through netx (calls of no task), and a
//     body read on the task's goroutine is a blocking call; the wait for
//     the response headers is not. http.Client cannot become httpx's own
//     type, as Transport did, because *http.Client is handed to and
//     taken from third-party APIs everywhere. The build-time patch (coop
//     build) rewrites such code; the workarounds are a Transport from
//     httpx (Transport: httpx.DefaultTransport, or &httpx.Transport{}),
//     httpx.NewClient, or a request made with the task's context
//     (http.NewRequestWithContext(iox.Current().Context(), ...)).
//  2. net/http cancels a request whose context ends: a kill of the task
//     cancels its context, so the request ends at once, though the task
//     is in no blocking call meanwhile (Snapshot shows it running).
//
// # PatchDefault
//
// For code nobody edits, PatchDefault, called once at startup, makes
// http.Get, http.Post and every use of http.DefaultClient cooperative; it
// keeps http.DefaultTransport an *http.Transport (a clone whose dials go
// through netx) and returns undo, which restores exactly what was there.
// Patching is a data race with requests in flight: patch before any,
// undo after all.
//
// # Events
//
// A round trip is an event of kind iox.OpRoundTrip, target "METHOD host",
// whose Detail is a RoundTripInfo (status, protocol, connection reuse,
// and the DNS, connect, TLS and first-byte phases from
// net/http/httptrace); reads of the response body are iox.OpRead events of
// the same target. The dial (iox.OpDial) is reported for the task that
// made the request, though net/http dials on a goroutine of its own;
// reads and writes that net/http's own goroutines make on a connection
// are reported as calls of no task, to iox.Default's observers.
//
// # Kills, scopes and Cooperative mode
//
// A kill of the task that made a request cancels the request's context
// with the kill error as cause, so that the round trip, or a body read
// blocked mid-stream, returns at once with an error that matches
// iox.ErrKilled and the kill's reason; the same holds for a request made
// on a plain goroutine with a task's context. A timeout scope binds the
// blocking calls made inside it, the round trip and each body read, and
// only those: a body read after the scope has ended is not bound by it.
// Such a call ends with iox.ErrTimeout. In Cooperative mode a task gives
// the turn up for the whole round trip and for each body read, so that a
// thousand tasks can wait for their responses at once.
//
// # Retries
//
// Package github.com/coop-go/coop/httpx/retry wires
// github.com/hashicorp/go-retryablehttp clients to the scheduler:
// retry.NewClient returns one whose attempts go through httpx and whose
// backoff waits are blocking calls on the scheduler's clock (iox.OpSleep
// events with a retry.WaitInfo): a kill or a scope that lands during the
// wait ends the call at once with its error and makes no further attempt.
// Retry-After is honoured but capped at RetryWaitMax, and the client logs
// nothing: the events say more. retry.Wrap wires a client you configured
// yourself. It is a package of its own so that httpx does not import
// go-retryablehttp.
//
// # Per-host limits
//
// Transport.MaxRequestsPerHost limits the requests in flight to each
// host, HTTP/2 ones included, from the start of a round trip until its
// body is done; a task that waits for a slot makes a blocking call
// (iox.OpAcquire) and gives the turn up, as a greenlet waiting on a
// gevent Pool does.
//
// # What cannot be mirrored exactly
//
//   - An *httpx.Transport is not an *http.Transport: code that swapped its
//     import asserts httpx's type and works, but a package still importing
//     net/http that asserts a client's Transport as *http.Transport fails
//     the assertion. PatchDefault keeps http.DefaultTransport, the one
//     third-party code asserts, an *http.Transport.
//   - A Client of its own with a nil Transport uses net/http's
//     DefaultTransport: after PatchDefault its dials, reads and writes are
//     blocking calls, but its round trips are not, so a kill ends one
//     only through the request's context.
//   - ClientConn (Transport.NewClientConn) is net/http's: its connection
//     is dialed through netx, but its RoundTrip is not a blocking call
//     itself.
//   - Connections made by DialTLSContext or DialTLS are used as they are,
//     since netx wraps below TLS only: their reads and writes are blocking
//     calls only if they were dialed with tlsx or netx (the round trip and
//     the dial still are). Without either, net/http runs the handshake
//     over a netx conn; it is not one blocking call of its own, as tlsx's
//     handshakes are, since net/http's handshake path (HTTP/1-only
//     requests, proxies, its trace hooks) cannot be replaced without
//     changing what net/http does.
//   - Forwarded variables are copies taken at program start, pointing at
//     the same values: DefaultServeMux is net/http's mux, and the Err*
//     values are net/http's errors, so errors.Is works.
//   - Server is httpx's own type (see Server for why); ServeMux, Handler,
//     ResponseWriter and the rest of the server side are net/http's.
//   - Client.Timeout, TLSHandshakeTimeout, ResponseHeaderTimeout,
//     ExpectContinueTimeout and IdleConnTimeout run on net/http's timers,
//     on the machine's clock. That is the scheduler's clock in Free and
//     Cooperative modes; a kill or a timeout scope ends a request sooner.
//
// What coop does not cover, and the fix for each case: [github.com/coop-go/coop].
package httpx
