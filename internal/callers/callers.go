// Package callers records where a function was called from, cheaply
// enough to do it for every task a scheduler starts: the record is a few
// return addresses, resolved into a file and line only when someone asks.
//
// On amd64 the fast path walks the frame pointers that the Go toolchain
// keeps in every Go frame there, as the runtime's own execution tracer
// does (runtime.fpTracebackPCs): a few loads, where runtime.Callers takes
// a couple of hundred nanoseconds to unwind the same frames from their
// tables. Because the frame layout is the toolchain's, not a promise, the
// first Record checks the fast path against runtime.Callers on a chain of
// calls of its own; if they ever disagree, every later Record takes the
// slow path, runtime.Callers. Either way Frame resolves a Site with
// runtime.CallersFrames, which accounts for inlined calls.
package callers

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Depth is how many frames a Site keeps.
const Depth = 3

// A Site is where a call was made: return addresses of the frames above
// the function that called Record, innermost first, as runtime.Callers
// gives them (zero where the stack ended).
type Site [Depth]uintptr

// fast is 1 when the frame-pointer walk was verified, 2 when it was
// refuted or does not exist on this architecture, 0 before the check.
var fast atomic.Int32

var verifyOnce sync.Once

// Record returns the site of the call of the function that called Record:
// the frames from that function's caller outward. That function must call
// Record itself and must not be inlined into its own caller (mark it
// //go:noinline if it is small), or the site begins a frame further out.
//
//go:noinline
func Record() Site {
	if fast.Load() == 1 {
		return walk(up(callerFP())) // Record's frame, then its caller's
	}
	return recordChecked()
}

//go:noinline
func recordChecked() Site {
	verifyOnce.Do(verify)
	if fast.Load() == 1 {
		return walk(up(up(callerFP()))) // and Record's frame before those
	}
	var s Site
	runtime.Callers(4, s[:]) // runtime.Callers, recordChecked, Record, Record's caller
	return s
}

// Frame returns the frame i frames out from the first of s (0: the
// function that called the one that called Record), counting inlined
// calls as frames, and whether s has it.
func Frame(s Site, i int) (runtime.Frame, bool) {
	n := 0
	for n < len(s) && s[n] != 0 {
		n++
	}
	if n == 0 {
		return runtime.Frame{}, false
	}
	frames := runtime.CallersFrames(s[:n])
	for {
		f, more := frames.Next()
		if i == 0 {
			return f, f.Function != ""
		}
		if !more {
			return runtime.Frame{}, false
		}
		i--
	}
}

// verify compares the frame-pointer walk with runtime.Callers on a chain
// of calls made as Record's are, and turns the fast path on if both name
// the same frames.
func verify() {
	if !haveFP {
		fast.Store(2)
		return
	}
	var fp, rc Site
	verifyA(&fp, &rc)
	for i := range Depth {
		f1, ok1 := Frame(fp, i)
		f2, ok2 := Frame(rc, i)
		if !ok1 || !ok2 || f1.Function != f2.Function || f1.File != f2.File || f1.Line != f2.Line {
			fast.Store(2)
			return
		}
	}
	fast.Store(1)
}

//go:noinline
func verifyA(fp, rc *Site) { verifyB(fp, rc) }

//go:noinline
func verifyB(fp, rc *Site) { verifyC(fp, rc) }

// verifyC plays a function that records where it was called.
//
//go:noinline
func verifyC(fp, rc *Site) { verifyD(fp, rc) }

// verifyD plays Record: both Sites begin at verifyB, verifyC's caller.
//
//go:noinline
func verifyD(fp, rc *Site) {
	*fp = walk(up(callerFP()))
	runtime.Callers(3, rc[:]) // runtime.Callers, verifyD, verifyC
}

// Fast reports whether Record walks frame pointers, running the check if
// it has not run yet.
func Fast() bool {
	verifyOnce.Do(verify)
	return fast.Load() == 1
}
