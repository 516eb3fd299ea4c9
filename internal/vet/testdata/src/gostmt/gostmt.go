// Package gostmt starts goroutines inside tasks.
package gostmt

import (
	"context"

	"github.com/coop-go/coop/iox"
)

func work() {}

func Run() {
	iox.Spawn(func(ctx context.Context) error {
		go func() { // want `a go statement in a task starts a plain goroutine: no task, not killed with its parent, not in Snapshot; use iox.Spawn`
			work()
		}()
		go work()   // want `a go statement in a task starts a plain goroutine`
		go func() { // want `a go statement in a task`
			if ctx.Err() != nil {
				return
			}
			work()
		}()
		go func(n int) { _ = n }(1) // want `a go statement in a task`
		return nil
	})
	go work() // not in a task
}
