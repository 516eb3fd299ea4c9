// Package goid reports the calling goroutine's id.
//
// The fast path reads the id out of the runtime's goroutine header through
// github.com/petermattis/goid, which knows the header's layout for each Go
// release. Because that layout is private to the runtime, the first call
// checks the fast path against the id the runtime itself prints at the top
// of a stack trace ("goroutine 17 [running]:"), on two goroutines. If they
// ever disagree (a Go release that moved the field), every later call takes
// the slow path, which parses that header: correct, about a microsecond.
package goid

import (
	"runtime"
	"sync"
	"sync/atomic"

	pgoid "github.com/petermattis/goid"
)

// fast is 1 when the fast path was verified, 2 when it was refuted, and 0
// before the check ran.
var fast atomic.Int32

var verifyOnce sync.Once

// Get returns the calling goroutine's id. Ids are positive and never reused
// while the process lives.
func Get() int64 {
	if fast.Load() == 1 {
		return pgoid.Get()
	}
	return getChecked()
}

func getChecked() int64 {
	verifyOnce.Do(verify)
	if fast.Load() == 1 {
		return pgoid.Get()
	}
	return Slow()
}

// Fast reports whether Get uses the fast path. It runs the check if it has
// not run yet.
func Fast() bool {
	verifyOnce.Do(verify)
	return fast.Load() == 1
}

func verify() {
	ok := pgoid.Get() == Slow() && pgoid.Get() > 0
	if ok {
		ch := make(chan bool)
		go func() { ch <- pgoid.Get() == Slow() }()
		ok = <-ch
	}
	if ok {
		fast.Store(1)
	} else {
		fast.Store(2)
	}
}

// Slow returns the calling goroutine's id parsed from the header of its
// stack trace. It is the reference the fast path is checked against.
func Slow() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	return parseHeader(b)
}

// parseHeader extracts N from "goroutine N [...". It returns 0 when b does
// not start that way.
func parseHeader(b []byte) int64 {
	const prefix = "goroutine "
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0
	}
	var id int64
	for _, c := range b[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + int64(c-'0')
	}
	return id
}
