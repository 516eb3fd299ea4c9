package iox

import (
	"bytes"
	"context"
	"io"
	"strings"
	"time"

	"github.com/coop-go/coop/internal/deadline"
)

// Reader returns a reader whose Read calls r.Read as a blocking call (kind
// OpRead, target r's Name if it has one, as an *os.File does): it is
// reported, releases the turn in Cooperative mode, and does not start in a
// killed task or an expired scope.
//
// How far a Read already under way can be cut short is up to r. If r has
// SetReadDeadline (an *os.File from os.Pipe, a net.Conn), the scope's
// deadline becomes r's read deadline for the call and a kill moves it into
// the past, so the Read returns at once with ErrTimeout or an error
// matching ErrKilled, keeping what it read; set r's own deadlines through
// the returned reader's SetReadDeadline so that they are kept. Otherwise
// (an io.Pipe, a bytes.Reader) the Read runs to its end, and the kill or
// scope shows at the next call. A reader whose calls go through the door
// already (a netx conn) is returned as it is.
//
// The returned reader also has Close if r does.
func Reader(r io.Reader) io.Reader {
	if r == nil {
		panic("iox: Reader(nil)")
	}
	if inDoor(r) {
		return r
	}
	sr := &streamReader{r: r, name: streamName(r)}
	if d, ok := r.(interface{ SetReadDeadline(time.Time) error }); ok {
		sr.side = &side{Keeper: deadline.Keeper{Apply: d.SetReadDeadline}}
	}
	if c, ok := r.(io.Closer); ok {
		return &streamReadCloser{sr, c}
	}
	return sr
}

// Writer returns a writer whose Write calls w.Write as a blocking call
// (kind OpWrite); see Reader, with SetWriteDeadline in place of
// SetReadDeadline. A Write cut short returns how much it wrote.
func Writer(w io.Writer) io.Writer {
	if w == nil {
		panic("iox: Writer(nil)")
	}
	if inDoor(w) {
		return w
	}
	sw := &streamWriter{w: w, name: streamName(w)}
	if d, ok := w.(interface{ SetWriteDeadline(time.Time) error }); ok {
		sw.side = &side{Keeper: deadline.Keeper{Apply: d.SetWriteDeadline}}
	}
	if c, ok := w.(io.Closer); ok {
		return &streamWriteCloser{sw, c}
	}
	return sw
}

// inDoor reports whether v's calls go through the door already: a reader
// or writer made by Reader or Writer, or a netx conn.
func inDoor(v any) bool {
	switch v.(type) {
	case *streamReader, *streamWriter, *streamReadCloser, *streamWriteCloser, deadline.Managed:
		return true
	}
	return false
}

// Copy copies from src to dst until EOF on src or an error, as io.Copy
// does, making each Read and Write a blocking call (see Reader and
// Writer). Nothing Copy took from src is lost: the bytes a Read returned
// are written out before an interruption is reported (a Write that a kill
// or a scope refused or cut short is finished first, bounded only by
// dst's own deadline), and the count Copy returns is exact. Between netx
// conns, and from an in-memory reader or into an in-memory writer, Copy
// uses the source's WriteTo or the destination's ReadFrom, so that the
// kernel splices or sends a file as one blocking call, and a bytes.Reader
// or bytes.Buffer moves exactly what was copied.
func Copy(dst io.Writer, src io.Reader) (written int64, err error) {
	if wt, ok := src.(io.WriterTo); ok && (inDoor(src) || inMemory(src)) {
		return wt.WriteTo(Writer(dst))
	}
	if rf, ok := dst.(io.ReaderFrom); ok && (inDoor(dst) || inMemory(dst)) {
		return rf.ReadFrom(Reader(src))
	}
	return CopyBuffer(Writer(dst), Reader(src))
}

// inMemory reports whether v is one of the standard library's in-memory
// streams, whose WriteTo and ReadFrom never block and count exactly.
func inMemory(v any) bool {
	switch v.(type) {
	case *bytes.Reader, *bytes.Buffer, *strings.Reader:
		return true
	}
	return false
}

// CopyBuffer copies from src to dst through a buffer of its own, with
// Copy's promise that nothing read is lost, without looking for WriteTo or
// ReadFrom: each Read of src and Write of dst is a call of its own. Give
// it streams whose calls go through the door (netx conns, or Reader and
// Writer's), or its calls cannot be cut short.
func CopyBuffer(dst io.Writer, src io.Reader) (written int64, err error) {
	buf := make([]byte, 32<<10)
	for {
		nr, rerr := src.Read(buf)
		if nr > 0 {
			nw, werr := writeFull(dst, buf[:nr])
			if werr != nil && isCoop(werr) && nw < nr {
				// Cut short with bytes already taken from src in hand:
				// deliver them, then report the interruption.
				var more int
				var derr error
				deliver(func() { more, derr = writeFull(dst, buf[nw:nr]) })
				nw += more
				if derr != nil {
					werr = derr
				}
			}
			written += int64(nw)
			if werr != nil {
				return written, werr
			}
		}
		if rerr == io.EOF {
			return written, nil
		}
		if rerr != nil {
			return written, rerr
		}
	}
}

// writeFull writes all of p, as io.Copy's writes do, or says why not.
func writeFull(w io.Writer, p []byte) (int, error) {
	n, err := w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}

func streamName(v any) string {
	if n, ok := v.(interface{ Name() string }); ok {
		return n.Name()
	}
	return ""
}

// side is one deadline of a wrapped stream: the keeper and its interrupter.
type side struct {
	deadline.Keeper
}

// Interrupt cuts op, a call on the stream, short.
func (s *side) Interrupt(op *Op) { s.Keeper.Interrupt(op) }

// call runs f as a blocking call of kind on target through the door, with
// the stream's deadline s (nil: the stream has none) kept around it.
func call(kind OpKind, target string, s *side, full bool, f func(done int) (int, error)) (int, error) {
	op, err := Begin(context.Background(), kind, target)
	if err != nil {
		return 0, err
	}
	if op == nil || s == nil {
		n, err := f(0)
		return n, op.End(n, err)
	}
	op.OnInterrupt(s)
	n, err := s.Run(op, full, f)
	op.Interrupted()
	s.End(op)
	return n, op.End(n, err)
}

type streamReader struct {
	r    io.Reader
	name string
	side *side // nil: r has no read deadline
}

func (r *streamReader) Read(p []byte) (int, error) {
	return call(OpRead, r.name, r.side, false, func(int) (int, error) { return r.r.Read(p) })
}

// SetReadDeadline sets the underlying reader's read deadline, if it has
// one, so that the reader keeps it around scopes and kills.
func (r *streamReader) SetReadDeadline(t time.Time) error {
	if r.side == nil {
		return errNoDeadline
	}
	return r.side.Set(t)
}

type streamReadCloser struct {
	*streamReader
	io.Closer
}

type streamWriter struct {
	w    io.Writer
	name string
	side *side
}

func (w *streamWriter) Write(p []byte) (int, error) {
	return call(OpWrite, w.name, w.side, true, func(done int) (int, error) { return w.w.Write(p[done:]) })
}

// SetWriteDeadline sets the underlying writer's write deadline, if it has
// one, so that the writer keeps it around scopes and kills.
func (w *streamWriter) SetWriteDeadline(t time.Time) error {
	if w.side == nil {
		return errNoDeadline
	}
	return w.side.Set(t)
}

type streamWriteCloser struct {
	*streamWriter
	io.Closer
}
