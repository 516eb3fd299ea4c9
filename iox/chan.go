package iox

import "time"

// Recv receives a value from ch as v, ok := <-ch does, as a blocking call:
// while it waits it releases the turn (Cooperative mode), and a kill or an
// expired timeout scope ends the wait. Recv has no error result, so it
// unwinds instead, as Sleep does. A receive that does not have to wait (a
// value is ready, or ch is closed) does not hand the turn over. Like <-ch,
// Recv from a nil channel waits forever, or until a kill or a scope ends
// it. Recv(timer.C) is how a task waits for a Timer in Cooperative mode.
//
// No value is lost: a Recv that took a value returns it, even if a kill
// landed meanwhile (the next blocking call reports the kill). The one
// exception is a tick: a time.Time received inside a scope that has
// expired is taken for the tick of a timer the scope brought forward, and
// Recv unwinds to the scope's Timeout instead of running on past it.
func Recv[T any](ch <-chan T) (v T, ok bool) {
	g := current()
	waitUnwinding(g, OpRecv, "", time.Time{},
		func() bool {
			select {
			case v, ok = <-ch:
				return true
			default:
				return false
			}
		},
		func(a *armed) error {
			select {
			case v, ok = <-ch:
				return nil
			case <-a.scopeC:
				return a.expired()
			case <-a.doneC:
				return a.done()
			}
		})
	// expiredNow reads the clock: the tick and the scope's own timer fire
	// at the same instant, in either order.
	if _, tick := any(v).(time.Time); tick && ok && g != nil && g.expiredNow() {
		g.unwindScope(g.expiredScope())
	}
	return v, ok
}

// Send sends v on ch as ch <- v does, as a blocking call: see Recv. A send
// that was cut short did not send. Like ch <- v, Send on a closed channel
// panics.
func Send[T any](ch chan<- T, v T) { send(ch, v, OpSend, "") }

// send is Send as a call of the given kind and target.
func send[T any](ch chan<- T, v T, kind OpKind, target string) {
	waitUnwinding(current(), kind, target, time.Time{},
		func() bool {
			select {
			case ch <- v:
				return true
			default:
				return false
			}
		},
		func(a *armed) error {
			select {
			case ch <- v:
				return nil
			case <-a.scopeC:
				return a.expired()
			case <-a.doneC:
				return a.done()
			}
		})
}
