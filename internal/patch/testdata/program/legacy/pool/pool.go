// Package pool makes a Transport: swapped, it is an httpx.Transport.
package pool

import "net/http"

// Transport returns the pool's transport.
func Transport() *http.Transport { return &http.Transport{MaxIdleConnsPerHost: 4} }
