package procmem

import (
	"runtime"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFigures(t *testing.T) {
	if RSS() == 0 {
		t.Skip("no /proc/self/status")
	}
	before := InUse()
	keep := make([][]byte, 0, 64)
	for range 64 {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1 // touch every page so that it is resident
		}
		keep = append(keep, b)
	}
	if grown := InUse() - before; grown < 60<<20 {
		t.Fatalf("64 MiB allocated, InUse grew by %d", grown)
	}
	// The kernel updates the high-water mark lazily: it is there, and
	// about the resident set, not above it to the byte.
	if hwm := Status("VmHWM"); hwm < 64<<20 {
		t.Fatalf("VmHWM %d after 64 MiB were touched", hwm)
	}
	if Status("NoSuchField") != 0 {
		t.Fatal("a missing field is not 0")
	}
	runtime.KeepAlive(keep)
}
