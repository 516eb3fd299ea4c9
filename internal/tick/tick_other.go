//go:build !amd64

package tick

const tsc = false

func read() int64 { return monotonic() }
