package sim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
	"github.com/gorilla/websocket"
)

// wsWorld runs gorilla/websocket, unmodified, in a world: a server host
// upgrades requests of its net/http server (over netx) and echoes each
// message; three client tasks dial it through netx, echo a few messages
// each, and a fourth blocks in ReadMessage until it is killed. It returns
// the world's log.
func wsWorld(t testing.TB, w *World) string {
	w.Host("ws", func(ctx context.Context) error {
		up := websocket.Upgrader{}
		mux := http.NewServeMux()
		mux.HandleFunc("/echo", func(rw http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(rw, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			for {
				kind, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				if string(msg) == "wait" {
					continue // the silent client waits for ever
				}
				if err := c.WriteMessage(kind, msg); err != nil {
					return
				}
			}
		})
		l, err := netx.Listen("tcp", ":80")
		if err != nil {
			return err
		}
		return (&http.Server{Handler: mux}).Serve(l)
	})
	d := websocket.Dialer{NetDialContext: (&netx.Dialer{}).DialContext}
	dial := func() (*websocket.Conn, error) {
		for range 10 {
			c, _, err := d.Dial("ws://ws/echo", nil)
			if err == nil {
				return c, nil
			}
			iox.Sleep(time.Millisecond) // the host may not listen yet
		}
		return nil, errors.New("the ws host never answered")
	}
	var g iox.Group
	for i := range 3 {
		g.Go(func(ctx context.Context) error {
			c, err := dial()
			if err != nil {
				return err
			}
			defer c.Close()
			for j := range 3 {
				want := fmt.Sprintf("client %d message %d", i, j)
				if err := c.WriteMessage(websocket.TextMessage, []byte(want)); err != nil {
					return err
				}
				_, got, err := c.ReadMessage()
				if err != nil {
					return err
				}
				if string(got) != want {
					return fmt.Errorf("echo of %q is %q", want, got)
				}
				iox.Sleep(time.Duration(i+1) * time.Millisecond)
			}
			return nil
		})
	}
	silent := iox.Spawn(func(ctx context.Context) error {
		c, err := dial()
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.WriteMessage(websocket.TextMessage, []byte("wait")); err != nil {
			return err
		}
		_, _, err = c.ReadMessage()
		return err
	})
	if err := g.Wait(); err != nil {
		t.Error(err)
	}
	iox.Sleep(time.Second)
	silent.Kill(nil)
	if err := silent.Wait(); !errors.Is(err, iox.ErrKilled) {
		t.Errorf("a client blocked in ReadMessage, killed, ended with %v", err)
	}
	return FormatEvents(w.Log())
}

// gorilla/websocket runs a client and a server inside a world, its calls
// are the world's (in its log), a kill ends a ReadMessage, and the run is
// the same every time.
func TestWebSocketInAWorld(t *testing.T) {
	var first string
	for i := range 3 {
		var log string
		Test(t, 21, func(w *World) { log = wsWorld(t, w) })
		if t.Failed() {
			return
		}
		if i == 0 {
			first = log
			for _, want := range []string{"dial      ws:80", "read      10.0.0.2:80"} {
				if !strings.Contains(log, want) {
					t.Fatalf("the log lacks %q:\n%s", want, log)
				}
			}
		} else if log != first {
			t.Fatalf("run %d of seed 21 differs from the first", i)
		}
	}
}
