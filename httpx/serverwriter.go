package httpx

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// taskWriter is the ResponseWriter a handler task writes to: it notes
// whether the handler wrote (a killed handler that did not answers 503)
// or took the connection over. It has the optional interfaces of
// net/http's own ResponseWriter, and Unwrap for http.ResponseController.
// It is used by the handler's task, and read by net/http's goroutine once
// the task has ended.
type taskWriter struct {
	http.ResponseWriter
	wrote    bool
	hijacked bool
}

func (w *taskWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.wrote = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *taskWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// Flush is http.Flusher's.
func (w *taskWriter) Flush() {
	w.wrote = true
	http.NewResponseController(w.ResponseWriter).Flush()
}

// FlushError is http.ResponseController's.
func (w *taskWriter) FlushError() error {
	w.wrote = true
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack is http.Hijacker's.
func (w *taskWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}

// ReadFrom is io.ReaderFrom's, which net/http's writer has for sendfile.
func (w *taskWriter) ReadFrom(r io.Reader) (int64, error) {
	w.wrote = true
	return io.Copy(w.ResponseWriter, r)
}

// Unwrap is for http.ResponseController.
func (w *taskWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
