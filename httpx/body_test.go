package httpx

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// The body of a response to a protocol switch stays writable, and its
// reads and writes are blocking calls.
func TestSwitchedBodyWritable(t *testing.T) {
	c := NewClient()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString(line)
		brw.Flush()
	}, c)
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "echo")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		rw, ok := resp.Body.(io.ReadWriteCloser)
		if !ok {
			t.Errorf("switched body is a %T, not writable", resp.Body)
			return nil
		}
		defer rw.Close()
		if _, err := io.WriteString(rw, "echo me\n"); err != nil {
			return err
		}
		line, err := bufio.NewReader(rw).ReadString('\n')
		if line != "echo me\n" {
			t.Errorf("echo %q, %v", line, err)
		}
		return nil
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(log.Of(iox.OpWrite)) == 0 {
		t.Errorf("the switched body's write is not a blocking call")
	}
}
