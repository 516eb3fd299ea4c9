// Package procmem reads the memory figures the benchmarks report: the
// process's resident set from /proc, and the heap and stacks in use from
// the runtime.
package procmem

import (
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Status returns a size field of /proc/self/status (VmRSS, VmHWM) in
// bytes, or 0 where there is none.
func Status(field string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// RSS returns the process's resident set in bytes.
func RSS() uint64 { return Status("VmRSS") }

// InUse returns the bytes of heap and goroutine stacks in use.
func InUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
