package iox

import (
	"context"
	"time"
)

// Recv receives a value from ch as v, ok := <-ch does, as a blocking call:
// while it waits it releases the turn (Cooperative mode), and a kill or an
// expired timeout scope ends the wait. Recv has no error result, so it
// unwinds instead, as Sleep does. A receive that does not have to wait (a
// value is ready, or ch is closed) does not hand the turn over. Like <-ch,
// Recv from a nil channel waits forever, or until a kill or a scope ends
// it. Recv(timer.C) is how a task waits for a Timer in Cooperative mode.
func Recv[T any](ch <-chan T) (v T, ok bool) {
	g := current()
	if g != nil {
		if err := g.check(); err != nil {
			g.unwind(err)
		}
	}
	select {
	case v, ok = <-ch:
		instant(g, OpRecv, "", 0, nil)
		return v, ok
	default:
	}
	if g == nil {
		op, _ := beginDetached(context.Background(), OpRecv, "")
		v, ok = <-ch
		op.End(0, nil)
		return v, ok
	}
	op := g.mustBegin(OpRecv, "")
	v, ok, err := recvWait(g, ch)
	g.mustEnd(op, err)
	return v, ok
}

// recvWait waits for a value from ch, or the end of the goroutine's scope
// or task.
func recvWait[T any](g *gstate, ch <-chan T) (v T, ok bool, err error) {
	timerC := g.scopeTimer()
	if timerC != nil {
		defer g.timer.Stop()
	}
	select {
	case v, ok = <-ch:
		return v, ok, nil
	case <-timerC:
		return v, false, ErrTimeout
	case <-g.done():
		return v, false, g.doneErr()
	}
}

// Send sends v on ch as ch <- v does, as a blocking call: see Recv. Like
// ch <- v, Send on a closed channel panics.
func Send[T any](ch chan<- T, v T) { send(ch, v, OpSend, "") }

// send is Send as a call of the given kind and target.
func send[T any](ch chan<- T, v T, kind OpKind, target string) {
	g := current()
	if g != nil {
		if err := g.check(); err != nil {
			g.unwind(err)
		}
	}
	select {
	case ch <- v:
		instant(g, kind, target, 0, nil)
		return
	default:
	}
	if g == nil {
		op, _ := beginDetached(context.Background(), kind, target)
		ch <- v
		op.End(0, nil)
		return
	}
	op := g.mustBegin(kind, target)
	g.mustEnd(op, sendWait(g, ch, v))
}

func sendWait[T any](g *gstate, ch chan<- T, v T) error {
	timerC := g.scopeTimer()
	if timerC != nil {
		defer g.timer.Stop()
	}
	select {
	case ch <- v:
		return nil
	case <-timerC:
		return ErrTimeout
	case <-g.done():
		return g.doneErr()
	}
}

// scopeTimer arms the goroutine's timer for its nearest scope deadline and
// returns its channel, or nil without a scope; the caller stops g.timer
// when it has a channel.
func (g *gstate) scopeTimer() <-chan time.Time {
	dl, ok := g.deadline()
	if !ok {
		return nil
	}
	d := dl.Sub(g.sched().clock.Now())
	if d <= 0 {
		d = 0
	}
	return g.startTimer(d)
}

// doneErr is the error of a goroutine whose done channel closed: its kill,
// or else the deadline it inherited.
func (g *gstate) doneErr() error {
	if k := g.killErr(); k != nil {
		return k
	}
	return ErrTimeout
}
