// A program that knows nothing of coop: it prints the type of the
// connection it dials, a setting of a dependency's, and the type of the
// Transport of net/http's default client as that dependency sees it.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"

	"example.com/legacy/dialer"
	"example.com/legacy/tuner"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	defer l.Close()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	defer c.Close()
	fmt.Printf("conn %T\n", c)
	fmt.Printf("dialer timeout %v\n", dialer.New().Timeout)
	fmt.Printf("its default client transport %s\n", dialer.ClientTransport())
	fmt.Printf("ours %T\n", http.DefaultClient)
	fmt.Printf("idle %d\n", tuner.Idle())
}
