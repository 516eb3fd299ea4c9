package netx

import (
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/coop-go/coop/iox"
)

// rchar is the number of bytes the process has read through read(2) and
// its kin, from /proc/self/io. splice(2) moves bytes without counting
// them there; a copy through user space counts each byte once more.
func rchar(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Skip("no /proc/self/io")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "rchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Skip("no rchar in /proc/self/io")
	return 0
}

// io.Copy between two netx TCP conns keeps the kernel's splice: the
// process reads only the bytes its own far ends read, not the relayed
// ones, and the copy is one blocking call.
func TestCopyBetweenConnsSplices(t *testing.T) {
	const size = 32 << 20
	for _, inTask := range []bool{false, true} {
		name := "plain"
		if inTask {
			name = "task"
		}
		t.Run(name, func(t *testing.T) {
			src, feeder := tcpPair(t) // feeder writes, src is read by the copy
			dst, drain := tcpPair(t)  // the copy writes dst, drain reads
			var events []iox.Event
			s := iox.New(iox.WithObserver(iox.ObserverFunc(func(e iox.Event) { events = append(events, e) })))
			defer s.Close()
			go func() {
				feeder.Write(make([]byte, size))
				feeder.Close()
			}()
			drained := make(chan int64)
			go func() {
				n, _ := io.Copy(io.Discard, drain)
				drained <- n
			}()
			before := rchar(t)
			var n int64
			var err error
			if inTask {
				err = s.Go(func(ctx context.Context) error {
					n, err = io.Copy(dst, src)
					return err
				}).Wait()
			} else {
				n, err = io.Copy(dst, src)
			}
			dst.CloseWrite()
			got := <-drained
			read := rchar(t) - before
			if err != nil || n != size || got != size {
				t.Fatalf("io.Copy = %d, %v; drained %d; want %d", n, err, got, size)
			}
			// The drain reads size bytes; a user-space relay would read
			// another size.
			if read > size+size/4 {
				t.Fatalf("the process read %d bytes for a %d byte relay: the copy went through user space", read, size)
			}
			if inTask {
				if len(events) != 1 || events[0].Kind != iox.OpRead || events[0].Bytes != size {
					t.Fatalf("events = %+v, want one read call of %d bytes", events, size)
				}
			}
			t.Logf("rchar grew by %d for a %d byte relay", read, size)
		})
	}
}

// A relay through user space, for contrast: rchar grows by twice the size.
func TestCopyThroughUserSpaceShowsInRchar(t *testing.T) {
	const size = 8 << 20
	src, feeder := tcpPair(t)
	dst, drain := tcpPair(t)
	go func() { feeder.Write(make([]byte, size)); feeder.Close() }()
	drained := make(chan int64)
	go func() { n, _ := io.Copy(io.Discard, drain); drained <- n }()
	before := rchar(t)
	buf := make([]byte, 32<<10)
	io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, buf)
	dst.CloseWrite()
	<-drained
	if read := rchar(t) - before; read < 2*size-size/4 {
		t.Fatalf("a user-space relay of %d bytes grew rchar by only %d: the probe cannot tell", size, read)
	}
}

func TestReadFromFileSendsFile(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "sendfile")
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(strings.Repeat("x", 1<<20)))
	f.Seek(0, 0)
	defer f.Close()
	dst, drain := tcpPair(t)
	drained := make(chan int64)
	go func() { n, _ := io.Copy(io.Discard, drain); drained <- n }()
	n, err := io.Copy(dst, f)
	dst.CloseWrite()
	if err != nil || n != 1<<20 || <-drained != 1<<20 {
		t.Fatalf("io.Copy from a file = %d, %v", n, err)
	}
}

// A copy between conns is interrupted on both sides by a scope.
func TestCopyBetweenConnsIsScopeBound(t *testing.T) {
	src, feeder := tcpPair(t)
	dst, _ := tcpPair(t)
	defer feeder.Close()
	feeder.Write([]byte("some bytes, then nothing"))
	var n int64
	err := iox.Timeout(20e6, func() error {
		var err error
		n, err = io.Copy(dst, src)
		return err
	})
	if err == nil || n != int64(len("some bytes, then nothing")) {
		t.Fatalf("io.Copy under a scope = %d, %v; want the bytes there were and iox.ErrTimeout", n, err)
	}
	// Both conns got their deadlines back.
	feeder.Write([]byte("more"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(src, buf); err != nil {
		t.Fatalf("src after the scope: %v", err)
	}
}
