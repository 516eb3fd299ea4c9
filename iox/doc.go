// Package iox provides coop's scheduler: tasks, timeout scopes, the
// Free and Cooperative modes, the scheduler's clock, cooperative waits,
// and the door every blocking call of coop goes through, reporting to the
// scheduler and honouring it.
//
// A task is a function run on its own goroutine under a Scheduler, as a
// greenlet runs under gevent's hub:
//
//	s := iox.New()                              // or iox.Default(), or iox.Spawn
//	t := s.Go(func(ctx context.Context) error { // gevent.spawn
//		return crawl(ctx)
//	})
//	t.Kill(errors.New("shutting down"))        // ends crawl at whatever it is blocked in
//	err := t.Wait()                             // errors.Is(err, iox.ErrKilled)
//
// # Blocking calls
//
// Every blocking call made through coop (netx's dials, reads and writes,
// httpx's requests, Sleep and the timers, Recv, Send, Lock, the waits of
// Pool, Queue and Flag, and the user's own through Begin or Block) is a
// call of the door: it is reported (an Event, counted in Stats, shown in
// Snapshot), it fails at once in a killed task or an expired timeout
// scope, it is cut short when a kill or a scope lands while it blocks,
// and in Cooperative mode it gives the turn to the next task while it
// waits. On a goroutine that is no task, outside any scope and with
// nobody watching, the door costs a few nanoseconds and the call goes
// straight through.
//
// Calls with an error result return an error that says why they were cut
// short: one matching ErrKilled (and the kill's reason), or ErrTimeout,
// which also satisfies net.Error with Timeout() true and matches
// os.ErrDeadlineExceeded, so existing timeout handling keeps working.
// Calls with no error result (Sleep, Lock, Recv, Yield, waiting on a
// timer) cannot report an interruption, and returning early would let a
// killed loop spin; they unwind instead, as gevent raises at the switch: a
// kill ends the task as runtime.Goexit does (deferred calls run, Wait
// returns the kill error), and an expired scope panics with a private
// value that its own Timeout recovers and returns as ErrTimeout.
//
// # Timeout scopes
//
// Timeout(d, fn) bounds every blocking call inside fn, at any depth and
// in code that never heard of contexts; scopes nest, the nearest deadline
// wins, and a scope that ended does not leak into the code after it.
// WithDeadline turns the scopes around the caller and its task's kill
// into a context for context-aware code.
//
// # Modes
//
// In Free mode (the default) tasks run in parallel, as goroutines do, and
// nothing about the program's behaviour changes. In Cooperative mode one
// task at a time holds the turn, as in gevent, and gives it up only at a
// blocking call or Yield, first come first served; handing the turn over
// is a happens-before edge, so state touched only between blocking calls
// needs no lock (the race detector agrees). A raw channel operation or a
// blocking call coop cannot see keeps the turn: the watchdog reports a
// task that holds it longer than WithMaxBlocking (100 ms by default) with
// its stack, and by default hands the turn over so the program keeps
// going (WithBlockingPolicy).
//
// # Goroutines that are no task
//
// Goroutines started with a plain go statement are not tasks: their
// blocking calls are reported to the Default scheduler's observers and
// honour timeout scopes, but cannot be killed as a task. Where a call
// carries a context (a dial, an HTTP request), the task in that context is
// the one the call is reported for, and its kill cancels the call; this is
// how net/http's dialing goroutines are covered.
//
// # What the scheduler reports
//
// Observers receive every call as an Event (Observe, WithObserver);
// Stats counts calls per kind and per target without a lock; Snapshot
// lists every task, what it is blocked in and for how long, and prints as
// a table: fmt.Println(s.Snapshot()) is the first step when a program is
// stuck.
//
// What coop does not cover, and the fix for each case: [github.com/coop-go/coop].
package iox
