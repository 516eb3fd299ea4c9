package httpx

import (
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/coop-go/coop/netx"
)

// DefaultTransport is the default implementation of Transport and is used
// by DefaultClient: http.DefaultTransport's settings (proxies from the
// environment, HTTP/2, the same pool sizes and timeouts) with dials
// through a netx.Dialer, so that every round trip, dial, read and write is
// a blocking call of the coop scheduler.
var DefaultTransport RoundTripper = newDefaultTransport()

func newDefaultTransport() *Transport {
	return &Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&netx.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
}

// DefaultClient is the default Client and is used by Get, Head, and Post.
// Like http.DefaultClient, it sends its requests through DefaultTransport
// as it is at the time of each request.
var DefaultClient = &Client{Transport: defaultTransport{}}

// defaultTransport is DefaultClient's Transport: DefaultTransport, looked
// up at each request, as a Client with a nil Transport does in net/http.
type defaultTransport struct{}

func (defaultTransport) RoundTrip(req *Request) (*Response, error) {
	return DefaultTransport.RoundTrip(req)
}

func (defaultTransport) CloseIdleConnections() {
	if ci, ok := DefaultTransport.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// NewClient returns a new *http.Client whose Transport is a new httpx
// Transport with DefaultTransport's settings: every request it sends is a
// blocking call of the coop scheduler (see Transport), and its response
// bodies are read with blocking calls. Its other fields are zero, as in
// &http.Client{}; set them before use.
//
// Client.Timeout, if set, is enforced by net/http on the machine's clock,
// which is the scheduler's in Free and Cooperative modes; a kill or a
// timeout scope ends a request sooner.
func NewClient() *http.Client {
	return &http.Client{Transport: newDefaultTransport()}
}

// Get issues a GET to the specified URL, as http.Get does, through
// DefaultClient: the request is a blocking call of the coop scheduler. If
// the response is one of the following redirect codes, Get follows the
// redirect, up to a maximum of 10 redirects:
//
//	301 (Moved Permanently)
//	302 (Found)
//	303 (See Other)
//	307 (Temporary Redirect)
//	308 (Permanent Redirect)
//
// An error is returned if there were too many redirects or if there was
// an HTTP protocol error. A non-2xx response doesn't cause an error. Any
// returned error will be of type *url.Error. The url.Error value's Timeout
// method will report true if the request timed out.
//
// When err is nil, resp always contains a non-nil resp.Body. Caller should
// close resp.Body when done reading from it.
//
// Get is a wrapper around DefaultClient.Get.
func Get(url string) (resp *Response, err error) {
	return DefaultClient.Get(url)
}

// Head issues a HEAD to the specified URL, as http.Head does, through
// DefaultClient. If the response is one of the following redirect codes,
// Head follows the redirect, up to a maximum of 10 redirects:
//
//	301 (Moved Permanently)
//	302 (Found)
//	303 (See Other)
//	307 (Temporary Redirect)
//	308 (Permanent Redirect)
//
// Head is a wrapper around DefaultClient.Head.
func Head(url string) (resp *Response, err error) {
	return DefaultClient.Head(url)
}

// Post issues a POST to the specified URL, as http.Post does, through
// DefaultClient.
//
// Caller should close resp.Body when done reading from it.
//
// If the provided body is an io.Closer, it is closed after the request.
//
// Post is a wrapper around DefaultClient.Post.
func Post(url, contentType string, body io.Reader) (resp *Response, err error) {
	return DefaultClient.Post(url, contentType, body)
}

// PostForm issues a POST to the specified URL, with data's keys and values
// URL-encoded as the request body, as http.PostForm does, through
// DefaultClient.
//
// The Content-Type header is set to application/x-www-form-urlencoded.
// To set other headers, use NewRequest and DefaultClient.Do.
//
// When err is nil, resp always contains a non-nil resp.Body. Caller should
// close resp.Body when done reading from it.
//
// PostForm is a wrapper around DefaultClient.PostForm.
func PostForm(url string, data url.Values) (resp *Response, err error) {
	return DefaultClient.PostForm(url, data)
}
