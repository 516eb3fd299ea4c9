// Package timer is swapped, and waits for its timers with plain receives.
package timer

import (
	"github.com/coop-go/coop/iox"
	time "github.com/coop-go/coop/iox/timex"
)

func Wait(d time.Duration) time.Time {
	t := time.NewTimer(d)
	<-t.C // want `a receive from a coop timer's channel is a plain channel receive, which coop cannot see`
	t.Reset(d)
	at := <-t.C     // want `a receive from a coop timer's channel`
	<-time.After(d) // want `a receive from a coop timer's channel`
	<-iox.After(d)  // want `a receive from a coop timer's channel`
	tk := iox.NewTicker(d)
	defer tk.Stop()
	select {
	case <-tk.C: // want `a receive from a coop timer's channel .*in a select, coop sees none of the cases`
	case <-t.C: // want `in a select`
	}
	for range tk.C { // want `ranging over a coop timer's channel`
		break
	}
	iox.Recv(t.C) // the fix
	c := make(chan time.Time)
	go func() { c <- time.Now() }()
	return maxTime(at, <-c) // a channel of its own: not reported
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
