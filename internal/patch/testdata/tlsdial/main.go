// A program that uses crypto/tls as any program would, and knows nothing
// of coop: it dials TLS to the address it is given, where a server
// accepts and never answers, so the handshake waits forever.
package main

import (
	"crypto/tls"
	"fmt"
	"os"
)

func main() {
	fmt.Println("dialing")
	c, err := tls.Dial("tcp", os.Args[1], &tls.Config{ServerName: "silent.example"})
	if err == nil {
		c.Close()
	}
	fmt.Println("tls.Dial:", err)
}
