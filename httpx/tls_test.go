package httpx

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/coop-go/coop/iox"
)

// A DialTLSContext the user sets is a blocking call of the task making
// the request: reported as a dial of the address, and its context, which
// net/http detaches from the request's, ends when the task is killed, so
// the dial stops with the kill.
func TestDialTLSContextIsBlockingCall(t *testing.T) {
	for _, deprecated := range []bool{false, true} {
		dialed, extra := make(chan iox.Event, 1), new(atomic.Int32)
		s := iox.New(iox.WithObserver(iox.ObserverFunc(func(e iox.Event) {
			if e.Kind == iox.OpDial {
				select {
				case dialed <- e:
				default:
					extra.Add(1)
				}
			}
		})))
		entered, returned := make(chan struct{}), make(chan error, 1)
		dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
			entered <- struct{}{}
			<-ctx.Done()
			returned <- context.Cause(ctx)
			return nil, ctx.Err()
		}
		tr := &Transport{DialTLSContext: dial}
		if deprecated {
			tr = &Transport{DialTLS: func(network, addr string) (net.Conn, error) {
				return nil, errors.New("refused")
			}}
		}
		c := &Client{Transport: tr}
		tk := s.Go(func(ctx context.Context) error {
			_, err := c.Get("https://127.0.0.1:1/")
			return err
		})
		if deprecated {
			if err := tk.Wait(); err == nil {
				t.Fatal("a DialTLS that fails: no error")
			}
		} else {
			<-entered
			tk.Kill(errReason)
			if err := <-returned; !errors.Is(err, iox.ErrKilled) || !errors.Is(err, errReason) {
				t.Fatalf("the dial's context ended with %v, want the kill", err)
			}
			if err := tk.Wait(); !errors.Is(err, iox.ErrKilled) {
				t.Fatalf("the request ended with %v, want the kill", err)
			}
		}
		// The dial ends on net/http's goroutine, maybe after the request.
		e := <-dialed
		s.Close()
		if e.Target != "127.0.0.1:1" || e.Task != tk || e.Err == nil {
			t.Fatalf("deprecated %v: dial event %+v, want a failed dial of 127.0.0.1:1 for the task", deprecated, e)
		}
		if n := extra.Load(); n > 0 {
			t.Fatalf("%d more dial events", n)
		}
	}
}
