package tick

// rdtsc returns the processor's time-stamp counter.
func rdtsc() int64

// cpuid executes CPUID with the given leaf.
func cpuid(leaf uint32) (eax, ebx, ecx, edx uint32)

// tsc reports whether the counter is invariant: CPUID leaf 0x80000007, EDX
// bit 8.
var tsc = func() bool {
	if max, _, _, _ := cpuid(0x80000000); max < 0x80000007 {
		return false
	}
	_, _, _, edx := cpuid(0x80000007)
	return edx&(1<<8) != 0
}()

func read() int64 {
	if tsc {
		return rdtsc()
	}
	return monotonic()
}
