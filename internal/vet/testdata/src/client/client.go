// Package client is swapped, but builds clients and transports that go
// around coop's.
package client

import (
	nethttp "net/http" // want `"net/http" is imported in a package meant to be swapped`

	http "github.com/coop-go/coop/httpx"
	time "github.com/coop-go/coop/iox/timex"
)

var (
	bare    = &http.Client{}                                                  // want `an http.Client with a nil Transport sends its requests through net/http's DefaultTransport`
	oneLine = &http.Client{Timeout: time.Second}                              // want `an http.Client with a nil Transport`
	nilled  = &http.Client{Transport: nil, Timeout: time.Second}              // want `an http.Client with a nil Transport`
	given   = &http.Client{Transport: http.DefaultTransport}                  // fine
	ours    = &http.Transport{MaxIdleConnsPerHost: 4}                         // fine: httpx's
	theirs  = &nethttp.Transport{MaxIdleConnsPerHost: 4}                      // want `a net/http Transport dials with package net`
	value   = http.Client{Transport: &http.Transport{}, Timeout: time.Second} // fine
)

func multiLine() *http.Client {
	return &http.Client{ // want `an http.Client with a nil Transport`
		Timeout: 5 * time.Second,
	}
}
