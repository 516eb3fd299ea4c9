package netx_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// Examples for the names a reader of the package documentation reaches
// for: keep them in sync with doc.go.

// A dial function netx did not make (a proxy's, a test's, an
// http.Transport's DialContext) becomes a reported, killable scheduler
// call, and the conn it returns is a netx conn.
func ExampleWrapDial() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		fmt.Fprintln(c, "hello")
	}()

	// Someone else's dialer, written against package net.
	var d net.Dialer
	dial := netx.WrapDial(d.DialContext)

	s := iox.New()
	defer s.Close()
	var mu sync.Mutex
	var kinds []iox.OpKind
	s.Observe(iox.ObserverFunc(func(e iox.Event) {
		mu.Lock()
		defer mu.Unlock()
		kinds = append(kinds, e.Kind)
	}))
	err = s.Go(func(ctx context.Context) error {
		c, err := dial(ctx, "tcp", l.Addr().String())
		if err != nil {
			return err
		}
		defer c.Close()
		line, err := bufio.NewReader(c).ReadString('\n')
		fmt.Printf("read %q\n", line)
		return err
	}).Wait()
	fmt.Println("err:", err)
	mu.Lock()
	defer mu.Unlock()
	fmt.Println("reported:", kinds[0], kinds[1])
	// Output:
	// read "hello\n"
	// err: <nil>
	// reported: dial read
}

// A wrapped dial under a timeout scope: the scope ends it, with an error
// that existing timeout handling recognises.
func ExampleWrapDial_timeout() {
	// A dialer that hangs until its context ends, as a dial to a host that
	// drops SYNs does.
	hang := func(ctx context.Context, network, address string) (net.Conn, error) {
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	dial := netx.WrapDial(hang)
	err := iox.Timeout(10*time.Millisecond, func() error {
		_, err := dial(context.Background(), "tcp", "10.0.0.1:443")
		return err
	})
	var ne net.Error
	fmt.Println(errors.Is(err, iox.ErrTimeout), errors.As(err, &ne) && ne.Timeout())
	// Output: true true
}
