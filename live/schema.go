package live

import "time"

// The types below are the JSON the handler serves: its schema, which
// tools may rely on. Names are stable: a field may be added, never renamed
// or removed (schema_test.go holds the list, and schema.json, served at
// api/schema, is generated from these declarations and their comments).
// Durations are integer nanoseconds in fields ending in _ns; times are
// RFC 3339 strings with nanoseconds.

// TaskList is the reply to GET api/tasks: the live tasks of the scheduler
// that pass the filter, sorted, one page of them.
type TaskList struct {
	// Scheduler is the scheduler's name (iox.WithName).
	Scheduler string `json:"scheduler"`
	// Mode is the scheduler's mode: "Free" or "Cooperative".
	Mode string `json:"mode"`
	// Taken is when the snapshot the list comes from was taken.
	Taken time.Time `json:"taken"`
	// Total is the number of live tasks, filtered or not.
	Total int `json:"total"`
	// Matched is the number of live tasks that pass the filter.
	Matched int `json:"matched"`
	// States counts every live task by state ("running", "blocked",
	// "runnable", "holding"), filtered or not; a state no task is in is
	// left out.
	States map[string]int `json:"states"`
	// Sort is the field the tasks are sorted by: the JSON name of a Task
	// field (see the sort parameter).
	Sort string `json:"sort"`
	// Desc reports whether the sort is in descending order.
	Desc bool `json:"desc"`
	// Filter is the filter the tasks passed, as given (the q parameter).
	Filter string `json:"filter"`
	// Offset is the index, among the matched tasks in sort order, of the
	// first task of the page.
	Offset int `json:"offset"`
	// Limit is the largest number of tasks a page holds.
	Limit int `json:"limit"`
	// Kill reports whether tasks may be killed through this handler
	// (Options.AllowKill).
	Kill bool `json:"kill"`
	// RecordingSince is when the handler began recording events and
	// watchdog reports for this viewer session, or null if it is not
	// recording.
	RecordingSince *time.Time `json:"recording_since"`
	// Tasks is the page: at most Limit tasks, in sort order.
	Tasks []Task `json:"tasks"`
}

// Task is one task as the scheduler's Snapshot shows it.
type Task struct {
	// ID is the task's id, unique in the process.
	ID uint64 `json:"id"`
	// Name is the task's name (Task.SetName, or its function's name).
	Name string `json:"name"`
	// Parent is the id of the task that started this one, or 0 for a task
	// started outside any task.
	Parent uint64 `json:"parent"`
	// State is what the task is doing: "running" its own code, "blocked"
	// in a blocking call, "runnable" (Cooperative mode: waiting for the
	// turn) or "holding" (Cooperative mode: holds the turn and runs); in
	// a TaskDetail, "ended" for a task that has ended.
	State string `json:"state"`
	// Op is the kind of blocking call the task is in ("read", "sleep",
	// "recv", ...: iox.OpKind's names), or "" if it is not blocked.
	Op string `json:"op"`
	// Target is what that call waits on (an address, a host, a name), or
	// "" if it names none or the task is not blocked.
	Target string `json:"target"`
	// Since is when that call began, or null if the task is not blocked.
	Since *time.Time `json:"since"`
	// BlockedNS is how long the task has been in that call, or 0.
	BlockedNS int64 `json:"blocked_ns"`
	// AgeNS is how long ago the task was started.
	AgeNS int64 `json:"age_ns"`
	// BusyNS is how long the task has spent running its own code.
	BusyNS int64 `json:"busy_ns"`
	// IdleNS is how long the task has spent in blocking calls.
	IdleNS int64 `json:"idle_ns"`
	// Calls is the number of blocking calls the task has ended.
	Calls int64 `json:"calls"`
	// Bytes is the number of bytes those calls moved.
	Bytes int64 `json:"bytes"`
	// Errors is the number of those calls that returned an error other
	// than io.EOF.
	Errors int64 `json:"errors"`
	// Spawned is where the task was started, as file:line, or "" if it is
	// not known.
	Spawned string `json:"spawned"`
}

// TaskDetail is the reply to GET api/tasks/{id}: one task, live or
// recently ended, with its recent calls, its stack and its children.
type TaskDetail struct {
	// Task is the task's state; for a task that has ended, its last
	// known state.
	Task Task `json:"task"`
	// Alive reports whether the task is still running.
	Alive bool `json:"alive"`
	// Err is the error the task ended with, or "" if it is alive or
	// ended with none.
	Err string `json:"err"`
	// Events are the task's most recent blocking calls, oldest first:
	// those that ended since recording began, at most Options.Events.
	Events []Event `json:"events"`
	// EventsSeen is the number of the task's calls that ended since
	// recording began, those no longer kept included.
	EventsSeen int64 `json:"events_seen"`
	// RecordingSince is when the handler began recording, or null.
	RecordingSince *time.Time `json:"recording_since"`
	// Stack is the task's goroutine stack, as runtime.Stack prints it,
	// or "" if it is not known.
	Stack string `json:"stack"`
	// Children are the live tasks this task started.
	Children []Task `json:"children"`
	// Kill reports whether the task may be killed through this handler.
	Kill bool `json:"kill"`
}

// Event is one blocking call that ended.
type Event struct {
	// Op is the kind of call ("read", "dial", ...).
	Op string `json:"op"`
	// Target is what the call waited on, or "".
	Target string `json:"target"`
	// Start is when the call began.
	Start time.Time `json:"start"`
	// DurationNS is how long the call took.
	DurationNS int64 `json:"duration_ns"`
	// Bytes is the number of bytes the call moved.
	Bytes int64 `json:"bytes"`
	// Err is the error the call returned, or "".
	Err string `json:"err"`
}

// StatsReport is the reply to GET api/stats: the scheduler's calls per
// kind and per target.
type StatsReport struct {
	// Enabled reports whether the scheduler collects stats; when it is
	// false the lists are empty.
	Enabled bool `json:"enabled"`
	// Kinds holds one entry per kind of call made so far, in the order
	// of iox.OpKind.
	Kinds []CallStats `json:"kinds"`
	// Targets holds the targets that pass the filter, the busiest first,
	// at most the limit parameter of them.
	Targets []CallStats `json:"targets"`
	// TargetsTotal is the number of targets the scheduler has seen,
	// filtered or not.
	TargetsTotal int `json:"targets_total"`
}

// CallStats is what the scheduler's stats know of one kind of call or one
// target.
type CallStats struct {
	// Name is the kind of call ("read") or the target ("10.0.0.3:443").
	Name string `json:"name"`
	// Calls is the number of calls that ended.
	Calls int64 `json:"calls"`
	// Errors is the number of calls that returned an error other than
	// io.EOF.
	Errors int64 `json:"errors"`
	// Bytes is the number of bytes the calls moved.
	Bytes int64 `json:"bytes"`
	// P50NS is an upper bound of the median duration, to the precision of
	// the histogram's buckets.
	P50NS int64 `json:"p50_ns"`
	// P99NS is an upper bound of the 99th percentile duration.
	P99NS int64 `json:"p99_ns"`
	// MaxNS is an upper bound of the longest duration.
	MaxNS int64 `json:"max_ns"`
	// Histogram counts the calls by duration, in buckets whose bounds
	// double, in increasing order; empty buckets are left out.
	Histogram []Bucket `json:"histogram"`
}

// Bucket is one bucket of a histogram.
type Bucket struct {
	// LeNS is the bucket's upper bound: it counts the calls that took at
	// most this long, and longer than the previous bucket's bound.
	LeNS int64 `json:"le_ns"`
	// Count is the number of calls in the bucket.
	Count int64 `json:"count"`
}

// StallList is the reply to GET api/stalls: the reports of a Cooperative
// scheduler's watchdog (iox.OpStall events) about tasks that held the
// turn too long, the newest first.
type StallList struct {
	// Stalls are the reports kept, the newest first.
	Stalls []Stall `json:"stalls"`
	// Seen is the number of reports since recording began, those no longer
	// kept included.
	Seen int64 `json:"seen"`
	// RecordingSince is when the handler began recording, or null.
	RecordingSince *time.Time `json:"recording_since"`
}

// Stall is one report of the watchdog.
type Stall struct {
	// Task is the id of the task that held the turn, or 0 if it was no
	// task.
	Task uint64 `json:"task"`
	// Name is that task's name, or "".
	Name string `json:"name"`
	// Start is when the task got the turn.
	Start time.Time `json:"start"`
	// HeldNS is how long it had held the turn when the watchdog reported.
	HeldNS int64 `json:"held_ns"`
	// Stack is the task's stack at the report.
	Stack string `json:"stack"`
}

// ParkedList is the reply to GET api/parked: the tasks that wait outside
// any coop call (a raw channel operation or select, a sync.Mutex, a raw
// time.Sleep, a system call), which coop cannot see, cut short or kill
// until their next coop call (iox.Scheduler.Parked). Finding them takes a
// dump of every goroutine's stack, but only if some task has made no coop
// call for the quiet parameter (a Go duration; 1s if it is not given).
type ParkedList struct {
	// Taken is when the list was made.
	Taken time.Time `json:"taken"`
	// QuietNS is the quiet parameter: a task that made a coop call more
	// recently is not listed.
	QuietNS int64 `json:"quiet_ns"`
	// Parked are the tasks, the quietest first.
	Parked []ParkedTask `json:"parked"`
}

// ParkedTask is one task that waits outside any coop call.
type ParkedTask struct {
	// ID is the task's id.
	ID uint64 `json:"id"`
	// Name is the task's name.
	Name string `json:"name"`
	// Wait is what the task's goroutine waits in, as the runtime names it
	// in a goroutine dump: "chan receive", "select", "sync.Mutex.Lock",
	// "sleep", "IO wait", "syscall"...
	Wait string `json:"wait"`
	// QuietNS is how long ago the task's last coop call ended (or it
	// started, if it made none): it has waited outside coop for at most
	// that long.
	QuietNS int64 `json:"quiet_ns"`
	// Func is the innermost function of the goroutine's stack outside the
	// standard library: the task's own code that waits, or that called
	// the library that does.
	Func string `json:"func"`
	// At is that function's file:line.
	At string `json:"at"`
	// Text is the line that describes the task: "task 42 'GET /x' in
	// chan receive at /src/x/x.go:123, outside coop for 12s".
	Text string `json:"text"`
	// Stack is the goroutine's stack, as runtime.Stack prints it.
	Stack string `json:"stack"`
}

// KillReply is the reply to POST api/tasks/{id}/kill.
type KillReply struct {
	// ID is the id of the task.
	ID uint64 `json:"id"`
	// Killed reports whether the kill was delivered: false if the task
	// had already ended. Kill does not wait for the task to end.
	Killed bool `json:"killed"`
}

// ErrorReply is the reply to a request that failed, with a 4xx or 5xx
// status.
type ErrorReply struct {
	// Error says what went wrong.
	Error string `json:"error"`
}
