// Package ioxslog provides an iox.Observer that logs a scheduler's
// events with log/slog:
//
//	s := iox.New(iox.WithObserver(ioxslog.New(slog.Default())))
//
// A call that returned an error (other than io.EOF), a timeout or a kill
// among them, is logged at Warn; a report of the watchdog (a task that
// held a Cooperative scheduler's turn too long, with its stack) at Error;
// every other call at Debug. Records carry these attributes:
//
//	op        the kind of call: "read", "dial", "sleep", ... (iox.OpKind)
//	target    what it waited on, when it names something
//	task.id   the task that made it (a group "task"), absent for a goroutine that is no task
//	task.name
//	duration  how long the call took (for a watchdog report: how long the turn was held)
//	bytes     what it moved, for reads and writes
//	err       the error it returned
//	detail    what the shim that made the call added (iox.Op.SetDetail), if anything
//	stack     for a watchdog report: the task's stack
//
// A record's time is when the call ended on the scheduler's clock, its
// context the task's (so a handler can read values the task carries),
// and it has no source location: the call site is the shim's, not the
// program's.
package ioxslog

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/coop-go/coop/iox"
)

// New returns an observer that logs every event to l (slog.Default()
// when l is nil, as it is at each event). An event at a level l does not
// log costs the level check and nothing else. The observer is safe for
// concurrent use, as an Observer must be.
func New(l *slog.Logger) iox.Observer { return observer{l} }

type observer struct{ l *slog.Logger }

// The records' messages: constant, so that logs can be filtered by them.
const (
	msgCall    = "coop: call"
	msgFailed  = "coop: call failed"
	msgTimeout = "coop: call timed out"
	msgKilled  = "coop: call cut short by a kill"
	msgStall   = "coop: task held the turn without a blocking call"
)

func (o observer) Observe(e iox.Event) {
	l := o.l
	if l == nil {
		l = slog.Default()
	}
	ctx := context.Background()
	if e.Task != nil {
		ctx = e.Task.Context()
	}
	level, msg := slog.LevelDebug, msgCall
	switch {
	case e.Kind == iox.OpStall:
		level, msg = slog.LevelError, msgStall
	case e.Err == nil || e.Err == io.EOF:
	case errors.Is(e.Err, iox.ErrTimeout):
		level, msg = slog.LevelWarn, msgTimeout
	case errors.Is(e.Err, iox.ErrKilled):
		level, msg = slog.LevelWarn, msgKilled
	default:
		level, msg = slog.LevelWarn, msgFailed
	}
	h := l.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(e.Start.Add(e.Duration), level, msg, 0)
	if e.Kind != iox.OpStall {
		r.AddAttrs(slog.String("op", e.Kind.String()))
	}
	if e.Target != "" {
		r.AddAttrs(slog.String("target", e.Target))
	}
	if e.Task != nil {
		r.AddAttrs(slog.Group("task", slog.Uint64("id", e.Task.ID()), slog.String("name", e.Task.Name())))
	}
	r.AddAttrs(slog.Duration("duration", e.Duration))
	if e.Bytes != 0 {
		r.AddAttrs(slog.Int("bytes", e.Bytes))
	}
	if e.Err != nil {
		r.AddAttrs(slog.Any("err", e.Err))
	}
	if e.Detail != nil {
		r.AddAttrs(slog.Any("detail", e.Detail))
	}
	if e.Stack != nil {
		r.AddAttrs(slog.String("stack", string(e.Stack)))
	}
	h.Handle(ctx, r)
}
