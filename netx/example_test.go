package netx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/netx"
)

// A server that accepts and never answers, as a stuck peer does.
func silentServer() (addr string, stop func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return l.Addr().String(), func() { l.Close(); <-done }
}

// Code written against package net, with no deadline and no context, is
// bounded by a timeout scope once its import says netx.
func ExampleDial() {
	addr, stop := silentServer()
	defer stop()
	err := iox.Timeout(50*time.Millisecond, func() error {
		c, err := netx.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = io.ReadAll(c) // the server never answers
		return err
	})
	var ne net.Error
	fmt.Println(errors.Is(err, iox.ErrTimeout), errors.As(err, &ne) && ne.Timeout())
	// Output: true true
}

// A task blocked in Accept is killed; the listener stays open.
func ExampleListen() {
	l, err := netx.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	accepting := make(chan struct{})
	t := iox.Spawn(func(ctx context.Context) error {
		close(accepting)
		_, err := l.Accept()
		return err
	})
	<-accepting
	t.Kill(errors.New("shutting down"))
	err = t.Wait()
	var oe *net.OpError
	fmt.Println(errors.As(err, &oe), oe.Op, oe.Err)
	// Output: true accept iox: task killed: shutting down
}

// Wrap adopts a conn made elsewhere.
func ExampleWrap() {
	a, b := net.Pipe()
	defer b.Close()
	c := netx.Wrap(a)
	defer c.Close()
	go b.Write([]byte("hello"))
	err := iox.Timeout(time.Second, func() error {
		buf := make([]byte, 5)
		_, err := io.ReadFull(c, buf)
		fmt.Println(string(buf))
		return err
	})
	fmt.Println(err)
	// Output:
	// hello
	// <nil>
}
