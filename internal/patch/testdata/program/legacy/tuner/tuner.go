// Package tuner takes pool's Transport as net/http's: if tuner is not
// swapped, pool cannot be either.
package tuner

import (
	"net/http"

	"example.com/legacy/pool"
)

// Idle returns the pool's limit of idle connections per host.
func Idle() int { return idle(pool.Transport()) }

func idle(t *http.Transport) int { return t.MaxIdleConnsPerHost }
