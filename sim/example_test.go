package sim_test

import (
	"context"
	"fmt"
	"io"

	"github.com/coop-go/coop/sim"
)

// A Network outside any world is an in-memory network of named hosts, on
// the machine's clock.
func ExampleNewNetwork() {
	n := sim.NewNetwork()
	db, app := n.Host("db"), n.Host("app")
	l, err := db.Listen("tcp", ":5432")
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
		io.Copy(c, c)
	}()
	c, err := app.DialContext(context.Background(), "tcp", "db:5432")
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Fprint(c, "ping")
	buf := make([]byte, 4)
	io.ReadFull(c, buf)
	fmt.Println(c.LocalAddr(), "->", c.RemoteAddr(), string(buf))
	// Output:
	// 10.0.0.2:49152 -> 10.0.0.1:5432 ping
}
