package iox

import (
	"context"
	"io"
	"sync"
	"time"
)

// Reader returns a reader whose Read calls r.Read as a blocking call (kind
// OpRead, target r's Name if it has one, as an *os.File does): it is
// reported, releases the turn in
// Cooperative mode, and does not start in a killed task or an expired
// scope.
//
// How far a Read already under way can be cut short is up to r. If r has
// SetReadDeadline (an *os.File from os.Pipe, a net.Conn), the scope's
// deadline becomes r's read deadline for the call and a kill moves it into
// the past, so the Read returns at once with ErrTimeout or an error
// matching ErrKilled, keeping what it read; set r's own deadlines through
// the returned reader's SetReadDeadline so that they are kept. Otherwise
// (an io.Pipe, a bytes.Reader) the Read runs to its end, and the kill or
// scope shows at the next call.
//
// The returned reader also has Close if r does.
func Reader(r io.Reader) io.Reader {
	if r == nil {
		panic("iox: Reader(nil)")
	}
	sr := &streamReader{r: r, name: streamName(r)}
	sr.dl, _ = r.(readDeadliner)
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
	sw := &streamWriter{w: w, name: streamName(w)}
	sw.dl, _ = w.(writeDeadliner)
	if c, ok := w.(io.Closer); ok {
		return &streamWriteCloser{sw, c}
	}
	return sw
}

// Copy copies from src to dst until EOF on src or an error, as io.Copy
// does, making each Read and Write a blocking call (see Reader and
// Writer). It returns the number of bytes written, which is exact when a
// kill or a scope cuts the copy short.
func Copy(dst io.Writer, src io.Reader) (int64, error) {
	if _, ok := src.(coopStream); !ok {
		src = Reader(src)
	}
	if _, ok := dst.(coopStream); !ok {
		dst = Writer(dst)
	}
	// Hide io.WriterTo and io.ReaderFrom so that every chunk is a call.
	return io.Copy(struct{ io.Writer }{dst}, struct{ io.Reader }{src})
}

// coopStream marks the readers and writers made by Reader and Writer.
type coopStream interface{ coopStream() }

func (*streamReader) coopStream() {}
func (*streamWriter) coopStream() {}

func streamName(v any) string {
	if n, ok := v.(interface{ Name() string }); ok {
		return n.Name()
	}
	return ""
}

type readDeadliner interface {
	SetReadDeadline(t time.Time) error
}

type writeDeadliner interface {
	SetWriteDeadline(t time.Time) error
}

// call runs f as a blocking call of kind on target through the door, with
// the stream's deadline d (nil: the stream has none) managed around it.
func call(kind OpKind, target string, d *StreamDeadline, f func() (int, error)) (int, error) {
	op, err := Begin(context.Background(), kind, target)
	if err != nil {
		return 0, err
	}
	if op == nil || d == nil {
		n, err := f()
		return n, op.End(n, err)
	}
	moved := d.Begin(op)
	n, err := f()
	d.End(op, moved)
	return n, op.End(n, err)
}

type streamReader struct {
	r    io.Reader
	name string
	dl   readDeadliner
	side *StreamDeadline
	once sync.Once
}

func (r *streamReader) getSide() *StreamDeadline {
	if r.dl == nil {
		return nil
	}
	r.once.Do(func() { r.side = &StreamDeadline{Apply: r.dl.SetReadDeadline} })
	return r.side
}

func (r *streamReader) Read(p []byte) (int, error) {
	return call(OpRead, r.name, r.getSide(), func() (int, error) { return r.r.Read(p) })
}

// SetReadDeadline sets the underlying reader's read deadline, if it has
// one, so that the reader keeps it around scopes and kills.
func (r *streamReader) SetReadDeadline(t time.Time) error {
	s := r.getSide()
	if s == nil {
		return errNoDeadline
	}
	return s.Set(t)
}

type streamReadCloser struct {
	*streamReader
	io.Closer
}

type streamWriter struct {
	w    io.Writer
	name string
	dl   writeDeadliner
	side *StreamDeadline
	once sync.Once
}

func (w *streamWriter) getSide() *StreamDeadline {
	if w.dl == nil {
		return nil
	}
	w.once.Do(func() { w.side = &StreamDeadline{Apply: w.dl.SetWriteDeadline} })
	return w.side
}

func (w *streamWriter) Write(p []byte) (int, error) {
	return call(OpWrite, w.name, w.getSide(), func() (int, error) { return w.w.Write(p) })
}

// SetWriteDeadline sets the underlying writer's write deadline, if it has
// one, so that the writer keeps it around scopes and kills.
func (w *streamWriter) SetWriteDeadline(t time.Time) error {
	s := w.getSide()
	if s == nil {
		return errNoDeadline
	}
	return s.Set(t)
}

type streamWriteCloser struct {
	*streamWriter
	io.Closer
}
