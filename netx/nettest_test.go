package netx

import (
	"net"
	"testing"

	"golang.org/x/net/nettest"

	"github.com/coop-go/coop/iox"
)

// The conformance suite of golang.org/x/net/nettest, which checks that a
// net.Conn behaves as package net documents (deadlines, concurrent reads
// and writes, close, races), passes on netx conns: TCP, pipes, and in a
// timeout scope and with a reporting scheduler.
func TestConformance(t *testing.T) {
	t.Run("TCP", func(t *testing.T) {
		nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
			l, err := Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return nil, nil, nil, err
			}
			defer l.Close()
			accepted := make(chan net.Conn, 1)
			go func() {
				c, _ := l.Accept()
				accepted <- c
			}()
			c1, err = Dial("tcp", l.Addr().String())
			if err != nil {
				return nil, nil, nil, err
			}
			c2 = <-accepted
			return c1, c2, func() { c1.Close(); c2.Close() }, nil
		})
	})
	t.Run("Pipe", func(t *testing.T) {
		nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
			c1, c2 = Pipe()
			return c1, c2, func() { c1.Close(); c2.Close() }, nil
		})
	})
	t.Run("TCP/observed", func(t *testing.T) {
		remove := iox.Default().Observe(iox.ObserverFunc(func(iox.Event) {}))
		defer remove()
		nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
			a, b := rawPair(t)
			c1, c2 = Wrap(a), Wrap(b)
			return c1, c2, func() { c1.Close(); c2.Close() }, nil
		})
	})
}
