package httpx

import (
	"io"
	"net/http"

	"github.com/coop-go/coop/iox"
)

// body returns rc, a response body, with each Read a blocking call (kind
// iox.OpRead, target the call's "METHOD host"), made for the task that
// reads: it releases the turn in Cooperative mode, fails at once in a
// killed task or an expired scope, and a kill or a scope that expires
// while it blocks ends it with the kill error or iox.ErrTimeout. The call
// ends with the body: at its end, at an error, or on Close. A body that
// is also an io.Writer (the response to a protocol switch) stays one.
func (c *call) body(rc io.ReadCloser) io.ReadCloser {
	if rc == nil || rc == http.NoBody {
		c.end()
		return rc
	}
	c.rbody = body{rc: rc, c: c}
	b := &c.rbody
	if w, ok := rc.(io.Writer); ok {
		return &rwBody{body: b, w: w}
	}
	return b
}

type body struct {
	rc io.ReadCloser
	c  *call
}

// testHookRead, when set by a test, runs before each real read of a body.
var testHookRead func()

func (b *body) Read(p []byte) (int, error) {
	c := b.c
	op, err := iox.Begin(c.b.Context(), iox.OpRead, c.target)
	if err != nil {
		return 0, err
	}
	stop := c.b.Bound(op)
	if testHookRead != nil {
		testHookRead()
	}
	n, err := b.rc.Read(p)
	stop()
	if err != nil {
		err = c.b.Err(err)
		c.end()
	}
	return n, op.End(n, err)
}

// Close closes the body, as net/http's does, and ends the call.
func (b *body) Close() error {
	err := b.rc.Close()
	b.c.end()
	return err
}

// rwBody is the body of a response to a protocol switch (status 101),
// which net/http makes writable; its writes are blocking calls too.
type rwBody struct {
	*body
	w io.Writer
}

func (b *rwBody) Write(p []byte) (int, error) {
	c := b.c
	op, err := iox.Begin(c.b.Context(), iox.OpWrite, c.target)
	if err != nil {
		return 0, err
	}
	stop := c.b.Bound(op)
	n, err := b.w.Write(p)
	stop()
	return n, op.End(n, c.b.Err(err))
}
