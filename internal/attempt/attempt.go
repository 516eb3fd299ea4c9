// Package attempt carries the number of a retry client's attempt in a
// request's context, from the retry package (which sets it) to httpx's
// round trips (which report it), without either importing the other.
package attempt

import "context"

// Key is the context key whose value is the attempt's number, from 1.
type Key struct{}

// Of returns the number of the attempt ctx belongs to, from 1, or 0.
func Of(ctx context.Context) int {
	n, _ := ctx.Value(Key{}).(int)
	return n
}
