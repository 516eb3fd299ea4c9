package iox

import (
	"fmt"
	"time"
)

// An OpKind says what kind of blocking call an Op or Event is.
type OpKind uint8

// The kinds of blocking call coop knows. They say what a call does, not
// which layer makes it: a database driver's connect is an OpDial and its
// query an OpRoundTrip as much as net's and net/http's are. What only a
// layer knows goes in the call's Detail (an HTTP round trip's phases, a
// retry's attempt). OpBlock is for calls users mark themselves.
const (
	OpBlock     OpKind = iota + 1 // a blocking function the user marked (Block, Begin)
	OpSleep                       // Sleep, waits for a timer, a retry's backoff
	OpJoin                        // Task.Wait, JoinAll, Group.Wait
	OpRecv                        // receive from a channel or queue
	OpSend                        // send to a channel or queue
	OpLock                        // Lock
	OpAcquire                     // waiting for a pool slot or a limit
	OpFlag                        // waiting for a Flag
	OpRead                        // read from a conn or stream
	OpWrite                       // write to a conn or stream
	OpDial                        // connect: a dial
	OpAccept                      // accept on a listener
	OpLookup                      // name resolution
	OpHandshake                   // a protocol's handshake (TLS)
	OpRoundTrip                   // a request and its answer (an HTTP round trip)
	OpStall                       // not a call: the watchdog's report of a task that held the turn too long
	OpPanic                       // not a call: a task's panic (Event.Err is the *PanicError)
	numOpKinds
)

var opKindNames = [...]string{
	OpBlock:     "block",
	OpSleep:     "sleep",
	OpJoin:      "join",
	OpRecv:      "recv",
	OpSend:      "send",
	OpLock:      "lock",
	OpAcquire:   "acquire",
	OpFlag:      "flag",
	OpRead:      "read",
	OpWrite:     "write",
	OpDial:      "dial",
	OpAccept:    "accept",
	OpLookup:    "lookup",
	OpHandshake: "handshake",
	OpRoundTrip: "roundtrip",
	OpStall:     "stall",
	OpPanic:     "panic",
}

func (k OpKind) String() string {
	if int(k) < len(opKindNames) && opKindNames[k] != "" {
		return opKindNames[k]
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// An Event describes one blocking call that ended, one report of the
// scheduler's watchdog (Kind OpStall), or a task's panic (Kind OpPanic).
type Event struct {
	Kind     OpKind
	Target   string        // what the call waited on: an address, a host, a name; may be empty
	Task     *Task         // the task that made the call; nil for a goroutine that is no task
	Start    time.Time     // when the call began
	Duration time.Duration // how long it took (for OpStall: how long the turn was held)
	Bytes    int           // bytes moved, for reads and writes
	Err      error         // what the call returned (after coop's mapping), or nil
	Stack    []byte        // for OpStall and OpPanic: the task's stack
	Detail   any           // what the shim that made the call adds (Op.SetDetail), or nil
}
