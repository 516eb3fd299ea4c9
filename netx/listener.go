package netx

import (
	"net"
	"syscall"
	"time"

	"github.com/coop-go/coop/iox"
)

// listener is what every netx listener shares: the wrapped listener, its
// address as the target of reports, and its deadline. A zero listener
// (var l netx.TCPListener) wraps nothing; its methods return
// syscall.EINVAL, as those of package net's zero listeners do (and Addr
// panics, as theirs does).
type listener struct {
	nl     net.Listener
	target string
	dl     side // Apply is nil if the listener has no deadline
}

func (l *listener) init(nl net.Listener, setDeadline func(time.Time) error) {
	l.nl = nl
	if a := nl.Addr(); a != nil {
		l.target = a.String()
	}
	l.dl.Apply = setDeadline
}

// accept runs f, an accept, through the door. Without a deadline to move
// (setDeadline nil) a kill cannot cut an accept already waiting short.
func (l *listener) accept(f func() error) error {
	if l.nl == nil {
		return syscall.EINVAL
	}
	op, err := iox.Begin(background, iox.OpAccept, l.target)
	if err != nil {
		return &net.OpError{Op: "accept", Net: network(l.nl.Addr()), Addr: l.nl.Addr(), Err: err}
	}
	if op == nil {
		return f()
	}
	if l.dl.Apply == nil {
		err = f()
		return mapOpError(op.End(0, err), err)
	}
	// Another caller's kill or scope that moved the shared deadline makes
	// this Accept fail with a timeout it did not cause: Run retries it.
	op.OnInterrupt(&l.dl)
	_, err = l.dl.Run(op, false, func(int) (int, error) { return 0, f() })
	op.Interrupted()
	l.dl.End(op)
	return mapOpError(op.End(0, err), err)
}

// Addr returns the listener's network address.
func (l *listener) Addr() net.Addr { return l.nl.Addr() }

// Close stops listening. Already accepted connections are not closed.
func (l *listener) Close() error {
	if l.nl == nil {
		return syscall.EINVAL
	}
	return l.nl.Close()
}

// SetDeadline sets the deadline associated with the listener, with
// package net's semantics; timeout scopes and kills work on top of it.
func (l *listener) SetDeadline(t time.Time) error {
	if l.nl == nil {
		return syscall.EINVAL
	}
	if l.dl.Apply == nil {
		return errNoDeadline
	}
	return l.dl.Set(t)
}

// Unwrap returns the wrapped listener.
func (l *listener) Unwrap() net.Listener { return l.nl }

// genericListener wraps a listener of another kind than TCP and Unix.
type genericListener struct {
	listener
}

func (l *genericListener) Accept() (net.Conn, error) {
	var c net.Conn
	err := l.accept(func() (err error) { c, err = l.nl.Accept(); return err })
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}
