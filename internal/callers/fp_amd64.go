package callers

import "unsafe"

const haveFP = true

// callerFP returns the frame pointer of the function that calls it: the
// address where that function saved its caller's frame pointer, one word
// below its return address.
func callerFP() unsafe.Pointer

// up returns the frame pointer of the caller of the frame fp.
//
// It reads the goroutine's own stack frames through pointers the
// compiler cannot see are the stack's, so it is left uninstrumented, as
// the runtime's own frame-pointer walk is: those words are the frames'
// bookkeeping, written by the calls themselves, not data the race
// detector should follow.
//
//go:norace
func up(fp unsafe.Pointer) unsafe.Pointer {
	if fp == nil {
		return nil
	}
	return *(*unsafe.Pointer)(fp)
}

// walk returns the return addresses of the frame fp and of the frames
// above it, innermost first. It stops at a nil frame pointer, which the
// first frame of a goroutine saves. Not instrumented, as up.
//
//go:norace
func walk(fp unsafe.Pointer) Site {
	var s Site
	for i := 0; i < len(s) && fp != nil; i++ {
		s[i] = *(*uintptr)(unsafe.Add(fp, unsafe.Sizeof(uintptr(0))))
		fp = *(*unsafe.Pointer)(fp)
	}
	return s
}
