// Package live provides a web page that shows a running scheduler's tasks
// as they run, and the same data as JSON for tools: what tokio-console is
// to async Rust and gevent's print_run_info to gevent, for coop.
//
// Mount the handler on the program's debug server, under a prefix it
// strips:
//
//	mux.Handle("/debug/coop/", http.StripPrefix("/debug/coop", live.Handler(s)))
//
// and open http://host:port/debug/coop/. The page loads nothing from
// elsewhere (no CDN: it works offline), and shows:
//
//   - the task table: id, name, parent, state, the blocking call a task is
//     in and its target, how long it has been blocked, busy and idle time,
//     calls, bytes, errors, age and where it was spawned; sorted by any
//     column and filtered (see below), refreshed every second;
//   - the calls by kind and by target, with p50, p99 and max latency and a
//     histogram;
//   - the tasks that wait outside any coop call (a raw channel operation
//     or select, a sync.Mutex, a raw time.Sleep, a system call), which a
//     kill or a timeout scope does not reach until their next coop call:
//     "task 42 'GET /x' in chan receive at x.go:123, outside coop for 12s"
//     (iox.Scheduler.Parked), with their stacks: the first thing to look
//     at when a kill "does not work";
//   - the reports of a Cooperative scheduler's watchdog (tasks that held
//     the turn too long), with their stacks;
//   - a task's page: its state, its most recent calls, its children, its
//     stack, and a kill button when Options.AllowKill is set.
//
// # Cost
//
// The page polls the JSON once a second, the stats and the tasks outside
// coop every fifth time (the
// rate can be changed, and it stops while the browser's tab is hidden). Polling rather than
// server-sent events keeps the handler stateless per viewer: no goroutine
// or connection is held for an open tab, a proxy or a server's
// WriteTimeout cannot cut a stream, and the page, `coop top` and any
// script read the same JSON with the same parameters. Each poll takes the
// scheduler's Snapshot and sorts and filters it on the server, so the
// browser receives one page of the table (500 rows), not all 10,000
// tasks.
//
// To show each task's recent calls and the watchdog's reports the handler
// observes the scheduler (iox.Scheduler.Observe), but only while someone
// is looking: from the first request until none has come for
// Options.Linger (a minute). A mounted handler that nobody looks at costs
// the scheduler nothing; the price is that a task's page shows the calls
// made since the page was first opened, not those before
// (Options.AlwaysRecord records from the start). BENCHMARKS.md has the
// cost of an open page on a program of 10,000 tasks.
//
// # JSON
//
// The paths under api/ answer with JSON; their replies are the types TaskList,
// TaskDetail, StatsReport, StallList, ParkedList, KillReply and ErrorReply, whose
// field comments are the documentation of the schema. Field names are
// stable. api/schema serves the same as a JSON Schema document.
//
//	api/tasks          TaskList. Parameters: sort (a Task field's JSON name; blocked_ns by default),
//	                   desc (true or false; true by default for numbers and durations), q (a filter),
//	                   offset (0), limit (500).
//	api/tasks/{id}     TaskDetail of a live task, or of a task that ended recently. stack=false leaves
//	                   out the stack, which costs a dump of every goroutine's stack.
//	api/tasks/{id}/kill  POST, with the header X-Coop-Kill: {id}: kills the task (KillReply). Refused
//	                   with 403 unless Options.AllowKill is set.
//	api/stats          StatsReport. Parameters: q (targets containing it), limit (50 targets).
//	api/stalls         StallList.
//	api/parked         ParkedList: the tasks outside coop. Parameter: quiet (a Go duration, 1s): list
//	                   only tasks that have made no coop call for that long. It costs a dump of every
//	                   goroutine's stack when some task has been that quiet, nothing more otherwise.
//	api/schema         the JSON Schema of the replies.
//
// # Filters
//
// The q parameter, and the page's filter box, take whitespace-separated
// terms, all of which a task must pass:
//
//	word               name, state, op, target or spawned contains word (any case), or id is word
//	name:text          the field contains text: name, state, op, target, spawned
//	id:42, parent:42   the field is that id
//	blocked>1s         a duration compared: blocked, age, busy, idle
//	calls>100          a count compared: calls, bytes, errors
//	-term              the task does not pass term
//
// For example "state:blocked op:read blocked>2s" finds the reads stuck
// for more than two seconds.
package live
