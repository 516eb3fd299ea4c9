// Package coop is the root of a module that does for Go what gevent's
// monkey.patch_all() does for Python: code you will not rewrite reports
// every blocking call to a scheduler and honours it. This package holds
// no code; it says where to start, and what coop does not cover.
//
//	go get github.com/coop-go/coop@latest
//
// The module needs Go 1.25 or later (its go.mod says go 1.25.0; an older
// go command fetches a newer toolchain or stops, as GOTOOLCHAIN says).
//
// # Where to start
//
//   - Swap imports in code that blocks: "net" for
//     [github.com/coop-go/coop/netx], "time" for
//     [github.com/coop-go/coop/iox/timex], "net/http" for
//     [github.com/coop-go/coop/httpx], each imported under the old name.
//     Or leave net/http alone and call httpx.PatchDefault once at startup.
//   - Run that code in tasks of the scheduler, [github.com/coop-go/coop/iox]:
//     iox.Spawn or Scheduler.Go start one, Task.Kill ends it at whatever
//     call it is blocked in, iox.Timeout bounds every call inside a function
//     without a context, iox.JoinAll waits for many, and Cooperative mode
//     runs one task at a time as gevent does.
//   - Look: fmt.Println(s.Snapshot()) prints which task is blocked on what,
//     since when; Stats counts the calls; Observe sees each one.
//   - Serve: httpx.ListenAndServe (or httpx.Server) runs each request as a
//     task named "GET /path"; netx.Serve runs each conn as one; for an
//     unswapped http.Server, httpx.PatchServer.
//   - Watch it live: [github.com/coop-go/coop/live] serves a page of the
//     tasks and what they block on, with the tasks blocked outside coop;
//     coop top shows it in a terminal.
//   - Test it: [github.com/coop-go/coop/sim] runs the same code in a
//     deterministic simulation (seeded order, virtual time, a network of
//     hosts, replay by seed), and [github.com/coop-go/coop/netx/fault] puts
//     toxiproxy's toxics on its conns, in a world or in a running program.
//   - Patch a whole program, dependencies included, without changing a
//     file: go run github.com/coop-go/coop/cmd/coop build (or run, test).
//   - The examples (go run ./examples/NAME, each with -h) show each of these
//     in a program: crawl, push, legacy, cooperative, retry, bank, chaos.
//
// # What coop does not cover
//
// coop sees the blocking calls that go through its door: the swapped
// packages, iox's waits, and what the user marks with iox.Block or
// iox.Begin. Everything else blocks as it always did. Such a call is not
// reported, a kill or a timeout scope does not cut it short (a kill shows
// at the task's next call through coop), and in Cooperative mode the task
// keeps the turn while it waits, so no other task runs until the watchdog
// (iox.WithMaxBlocking, 100 ms by default) reports the task with its stack
// and, by its default policy, hands the turn over. The cases, with the fix
// for each:
//
//   - An HTTP client with a Transport of its own, in code that still
//     imports net/http (&http.Client{Transport: &http.Transport{...}}, or a
//     library's client): PatchDefault covers http.DefaultClient and clients
//     whose Transport is nil, not this one, so its requests are invisible.
//     Swap the import (then &http.Transport{...} is an httpx.Transport,
//     with the same fields), or give the client Transport:
//     &httpx.Transport{...}, or httpx.NewClient(). Where the transport
//     cannot be replaced, set its DialContext to netx.WrapDial(its dial):
//     its dials, reads and writes are then blocking calls, though the round
//     trip as a whole is not; and build requests with the task's context,
//     so that a kill cancels them.
//   - A plain go statement inside a task: the goroutine is no task. Its
//     calls through coop are reported, as no task's, to the Default
//     scheduler's observers, but a kill of the task that started it does
//     not end it, and a timeout scope around the go statement does not
//     bound it. Start it with iox.Spawn (or a Group, or a Pool) instead: it
//     is then a child task, killed with its parent.
//   - A raw channel operation (<-ch, ch <- v, select) or a wait on a
//     sync.Mutex, sync.WaitGroup or sync.Cond: invisible. Use iox.Recv(ch)
//     and iox.Send(ch, v), iox.Lock(&mu), iox.Group's Wait, iox.Queue and
//     iox.Flag, or wrap the wait in iox.Block.
//   - database/sql's connection pool and third-party pools (go-redis's,
//     pgx's): a wait for a free connection is a channel or mutex wait
//     inside the library, invisible even when the library's dials go
//     through netx. In Cooperative mode go-redis's pool, for one, keeps the
//     turn when every connection is in use: the watchdog prints the stack
//     of the task that waits (twice, in the run that found it) and hands
//     the turn over. Put
//     iox.Block around the call (iox.Block("redis GET", func() error {
//     return rdb.Get(ctx, key).Err() })): it is reported, runs without the
//     turn, and does not start in a killed task; pass the task's context,
//     or iox.WithDeadline's, so that a kill or a scope cancels it.
//   - os/exec: Cmd.Run and Cmd.Wait wait in the kernel for the child; a
//     kill or a scope does not stop the child. Use exec.CommandContext with
//     the task's context, or iox.WithDeadline(ctx) inside a scope, so that
//     the child is killed with the task or at the scope's end (Run then
//     returns "signal: killed"), and put the Run in iox.Block so that it is
//     reported and, in Cooperative mode, runs without the turn.
//   - cgo: a call into C holds its thread until C returns; nothing can cut
//     it short. Wrap it in iox.Block so that it is reported and releases
//     the turn, and give the C side a timeout of its own if it has one.
//   - Packages you did not swap: a dependency that imports net, time,
//     net/http or crypto/tls is not covered by swapping your own imports.
//     The build-time patch, coop build, run and test (cmd/coop), swaps
//     the imports of every package of the build but the standard
//     library's and coop's, without changing a file; without it, hand such
//     a library a netx dial function or an httpx client where it takes one.
//
// In Cooperative mode each case above that keeps the turn is also a
// place where other tasks stop running; the watchdog's report names the
// task and shows its stack, which is where to add the fix.
package coop
