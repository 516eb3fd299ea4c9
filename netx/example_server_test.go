package netx_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// A Server is gevent's StreamServer: a task per connection, here an echo
// server; Shutdown waits for the connections' tasks to end.
func ExampleServer() {
	s := iox.New()
	defer s.Close()
	srv := &netx.Server{Handler: func(ctx context.Context, c net.Conn) error {
		_, err := io.Copy(c, c)
		return err
	}}
	l, err := netx.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	served := s.Go(func(ctx context.Context) error { return srv.Serve(l) })
	c, err := netx.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(c, "hello")
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(line)
	c.Close()
	fmt.Println(srv.Shutdown(context.Background()), served.Wait())
	// Output:
	// hello
	// <nil> <nil>
}
