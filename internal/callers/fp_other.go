//go:build !amd64

package callers

import "unsafe"

const haveFP = false

func callerFP() unsafe.Pointer { return nil }

func up(unsafe.Pointer) unsafe.Pointer { return nil }

func walk(unsafe.Pointer) Site { return Site{} }
