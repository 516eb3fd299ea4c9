package iox

import (
	"context"
	"errors"
	"fmt"
	"os"
)

var (
	// ErrKilled is matched, with errors.Is, by the error a blocking call
	// returns when its task is killed, and by the error of a task that was
	// killed. The reason given to Kill is wrapped as well, so errors.Is also
	// matches it, and so does context.Canceled.
	ErrKilled = errors.New("iox: task killed")

	// ErrTimeout is the error a blocking call returns when a timeout scope
	// (Timeout) expires around it, and the error Timeout returns then. It
	// satisfies net.Error with Timeout() == true and matches
	// os.ErrDeadlineExceeded and context.DeadlineExceeded under errors.Is,
	// so existing timeout handling keeps working.
	ErrTimeout error = timeoutError{}

	// ErrClosed is the error of a task started on a closed Scheduler, and of
	// the tasks that Close killed.
	ErrClosed = errors.New("iox: scheduler closed")
)

type timeoutError struct{}

func (timeoutError) Error() string   { return "iox: timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func (timeoutError) Is(target error) bool {
	return target == os.ErrDeadlineExceeded || target == context.DeadlineExceeded
}

// killedError is the error of a killed task and of its interrupted calls.
type killedError struct{ reason error }

func (e *killedError) Error() string {
	if e.reason == nil {
		return "iox: task killed"
	}
	return "iox: task killed: " + e.reason.Error()
}

func (e *killedError) Is(target error) bool {
	return target == ErrKilled || target == context.Canceled
}

func (e *killedError) Unwrap() error { return e.reason }

// A PanicError is the error of a task whose function panicked. The panic is
// recovered on the task's goroutine; it does not end the process unless the
// scheduler was made WithCrashOnPanic.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the panicking goroutine's stack, as debug.Stack prints it
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("iox: task panicked: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

var (
	errGoexit = errors.New("iox: task called runtime.Goexit")
)

// isTimeout reports whether err says that a deadline passed, in any of the
// ways the standard library says it.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// isInterruption reports whether err is what a call returns when it is cut
// short by a deadline or a cancelled context.
func isInterruption(err error) bool {
	return isTimeout(err) || errors.Is(err, context.Canceled)
}

var errCloseDefault = errors.New("iox: the Default scheduler cannot be closed")

var errNoDeadline = errors.New("iox: the wrapped stream has no deadline")
