package deadline

import (
	"errors"
	"os"
	"time"
)

// A Call is a blocking call as the door sees it: iox's *Op.
type Call interface {
	// Limit is the deadline of the timeout scopes around the call, zero
	// for none.
	Limit() time.Time
	// Now is the time on the clock deadlines are measured by.
	Now() time.Time
}

// Run makes the real call f on the stream for c, whose interrupter (a kill)
// the caller has armed: it registers c's limit, makes the call, and makes
// it again when it fails with a timeout that another call caused (see
// Spurious), waiting first until the real deadline moves back. f is given
// how many bytes the call has moved so far and returns how many more it
// moved. Without full, Run returns as soon as the call has moved anything
// (a read, an accept); with full, it goes on after a timeout that was not
// the call's own until f succeeds or fails otherwise (a write, a copy).
//
// The caller then disarms the interrupter and calls End(c), in that
// order:
//
//	op.OnInterrupt(side)            // side.Interrupt(op) calls k.Interrupt(op)
//	n, err := k.Run(op, full, f)
//	op.Interrupted()
//	k.End(op)
func (k *Keeper) Run(c Call, full bool, f func(done int) (int, error)) (int, error) {
	seen := k.Moves()
	k.Begin(c, c.Limit())
	total := 0
	for {
		n, err := f(total)
		total += n
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) || (n > 0 && !full) {
			return total, err
		}
		retry, wait := k.Spurious(c, seen, c.Now())
		if !retry {
			return total, err
		}
		if n > 0 && !full {
			return total, nil // another call's timeout: the bytes are this call's result
		}
		if wait != nil {
			<-wait // closed when the deadline moves: an End, a Set, or this call's own interruption
		}
		seen = k.Moves()
	}
}
