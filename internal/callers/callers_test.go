package callers

import (
	"runtime"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// spawn plays a scheduler's start: it records where it was called from.
//
//go:noinline
func spawn() Site { return Record() }

// viaSmall is small enough to be inlined into its caller: Frame still
// sees it as a frame of its own.
func viaSmall() Site { return spawn() }

//go:noinline
func viaBig() Site {
	s := spawn()
	runtime.KeepAlive(&s)
	return s
}

// want is what runtime.Callers says of the frames from skip outward.
func want(skip int) []runtime.Frame {
	pcs := make([]uintptr, Depth)
	n := runtime.Callers(skip+1, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var out []runtime.Frame
	for {
		f, more := frames.Next()
		out = append(out, f)
		if !more || len(out) == Depth {
			return out
		}
	}
}

func TestRecordNamesTheCallers(t *testing.T) {
	if runtime.GOARCH == "amd64" && !Fast() {
		t.Fatal("the frame-pointer walk was refuted on amd64")
	}
	testRecord(t)
}

// The slow path, runtime.Callers, gives the same frames.
func TestSlowPath(t *testing.T) {
	Fast()
	was := fast.Swap(2)
	defer fast.Store(was)
	testRecord(t)
}

func testRecord(t *testing.T) {
	t.Helper()
	for _, tc := range []struct {
		name string
		rec  func() Site
		want []string // the first frames, by function
	}{
		{"direct", func() Site { return spawn() }, []string{"testRecord.func1", "testRecord"}},
		{"inlined", viaSmall, []string{"viaSmall", "testRecord"}},
		{"not inlined", viaBig, []string{"viaBig", "testRecord"}},
	} {
		s := tc.rec()
		for i, fn := range tc.want {
			f, ok := Frame(s, i)
			if !ok || !strings.HasSuffix(f.Function, "."+fn) {
				t.Errorf("%s: Frame(s, %d) = %q, %v; want %s", tc.name, i, f.Function, ok, fn)
			}
		}
	}
}

// The fast and the slow path agree frame for frame, lines included.
func TestFastMatchesCallers(t *testing.T) {
	var got Site
	var exp []runtime.Frame
	func() {
		got, exp = viaBig(), want(1)
	}()
	// exp starts at this closure; got at viaBig, called from it.
	f, _ := Frame(got, 0)
	if !strings.HasSuffix(f.Function, ".viaBig") {
		t.Fatalf("Frame(got, 0) = %s, want viaBig", f.Function)
	}
	for i := 1; i < Depth && i-1 < len(exp); i++ {
		f, ok := Frame(got, i)
		if !ok || f.Function != exp[i-1].Function || f.File != exp[i-1].File {
			t.Errorf("Frame(got, %d) = %s %s:%d, want %s %s", i, f.Function, f.File, f.Line, exp[i-1].Function, exp[i-1].File)
		}
	}
}

// A stack that ends before Depth frames leaves zeros, and Frame says so.
func TestShortStack(t *testing.T) {
	ch := make(chan Site)
	go func() { ch <- spawn() }()
	s := <-ch
	if f, ok := Frame(s, 0); !ok || !strings.HasSuffix(f.Function, "TestShortStack.func1") {
		t.Fatalf("Frame(s, 0) = %s, %v", f.Function, ok)
	}
	if f, ok := Frame(s, Depth); ok {
		t.Fatalf("Frame(s, %d) = %s, want none", Depth, f.Function)
	}
	if _, ok := Frame(Site{}, 0); ok {
		t.Fatal("Frame of an empty Site found a frame")
	}
}

func BenchmarkRecord(b *testing.B) {
	b.Run("impl=runtime.Callers", func(b *testing.B) {
		var s Site
		for range b.N {
			runtime.Callers(2, s[:])
		}
	})
	b.Run("impl=Record", func(b *testing.B) {
		for range b.N {
			spawn()
		}
	})
}
