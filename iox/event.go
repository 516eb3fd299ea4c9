package iox

import (
	"fmt"
	"time"
)

// An OpKind says what kind of blocking call an Op or Event is.
type OpKind uint8

// The kinds of blocking call coop knows. Shims outside iox use the network
// and HTTP kinds; OpBlock is for calls users mark themselves.
const (
	OpBlock     OpKind = iota + 1 // a blocking function the user marked (Block, Begin)
	OpSleep                       // Sleep, and waits for a timer
	OpJoin                        // Task.Wait, JoinAll
	OpRecv                        // receive from a channel or queue
	OpSend                        // send to a channel or queue
	OpLock                        // Lock
	OpAcquire                     // waiting for a pool slot or a limit
	OpEvent                       // waiting for an Event
	OpRead                        // read from a conn or stream
	OpWrite                       // write to a conn or stream
	OpDial                        // dial
	OpAccept                      // accept on a listener
	OpLookup                      // name resolution
	OpRoundTrip                   // an HTTP round trip
	OpRetryWait                   // a retry client's backoff wait
	OpStall                       // not a call: the watchdog's report of a task that held the turn too long
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
	OpEvent:     "event",
	OpRead:      "read",
	OpWrite:     "write",
	OpDial:      "dial",
	OpAccept:    "accept",
	OpLookup:    "lookup",
	OpRoundTrip: "roundtrip",
	OpRetryWait: "retrywait",
	OpStall:     "stall",
}

func (k OpKind) String() string {
	if int(k) < len(opKindNames) && opKindNames[k] != "" {
		return opKindNames[k]
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// An Event describes one blocking call that ended, or one report of the
// scheduler's watchdog (Kind OpStall).
type Event struct {
	Kind     OpKind
	Target   string        // what the call waited on: an address, a host, a name; may be empty
	Task     *Task         // the task that made the call; nil for a goroutine that is no task
	Start    time.Time     // when the call began
	Duration time.Duration // how long it took (for OpStall: how long the turn was held)
	Bytes    int           // bytes moved, for reads and writes
	Err      error         // what the call returned (after coop's mapping), or nil
	Stack    []byte        // for OpStall: the offending task's stack
	Detail   any           // what the shim that made the call adds (Op.SetDetail), or nil
}

// An Observer receives events. Observe is called on the goroutine that made
// the call, after it returned, so it must be quick and safe for concurrent
// use; it must not block.
type Observer interface {
	Observe(e Event)
}

// ObserverFunc adapts a function to the Observer interface.
type ObserverFunc func(e Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }

// observers is an immutable list, swapped whole on change so that the hot
// path reads it with one atomic load.
type observers struct {
	list []Observer
	ids  []uint64 // registration ids, parallel to list
}

func (s *Scheduler) emit(e Event) {
	obs := s.obs.Load()
	if obs == nil {
		return
	}
	for _, o := range obs.list {
		o.Observe(e)
	}
}

// Observe registers o to receive the scheduler's events from now on and
// returns a function that unregisters it. Events from goroutines that are
// no task go to the Default scheduler's observers.
func (s *Scheduler) Observe(o Observer) (remove func()) {
	if o == nil {
		panic("iox: Observe(nil)")
	}
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	s.lastObsID++
	id := s.lastObsID
	cur := s.obs.Load()
	next := &observers{}
	if cur != nil {
		next.list = append(next.list, cur.list...)
		next.ids = append(next.ids, cur.ids...)
	}
	next.list = append(next.list, o)
	next.ids = append(next.ids, id)
	s.setObservers(next)
	return func() {
		s.obsMu.Lock()
		defer s.obsMu.Unlock()
		cur := s.obs.Load()
		if cur == nil {
			return
		}
		for i, x := range cur.ids {
			if x == id {
				next := &observers{
					list: append(cur.list[:i:i], cur.list[i+1:]...),
					ids:  append(cur.ids[:i:i], cur.ids[i+1:]...),
				}
				s.setObservers(next)
				return
			}
		}
	}
}

// setObservers publishes obs; s.obsMu is held.
func (s *Scheduler) setObservers(obs *observers) {
	was := s.obs.Load() != nil
	now := len(obs.list) > 0
	if now {
		s.obs.Store(obs)
	} else {
		s.obs.Store(nil)
	}
	if s.isDefault && was != now {
		// Goroutines that are no task report to Default; the door must
		// look for them only while someone listens.
		if now {
			inForce.Add(1)
		} else {
			inForce.Add(-1)
		}
	}
}
