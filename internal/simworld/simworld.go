// Package simworld is the plumbing between package sim, which runs
// simulated worlds inside testing/synctest bubbles, and the packages
// below it that must behave differently inside a world: iox, whose
// Simulated mode needs synctest.Wait (iox does not import package
// testing, so sim hands it over), and netx, which routes the dials,
// listens and lookups of a world's goroutines to the world's network.
//
// Nothing here is set until package sim makes its first world; until then
// every accessor answers "no world" with one atomic load.
package simworld

import (
	"context"
	"net"
	"sync/atomic"
)

var (
	quiesce atomic.Pointer[func()]
	env     atomic.Pointer[func() any]
)

// SetQuiesce hands over testing/synctest.Wait. Package sim calls it before
// it makes a world's scheduler.
func SetQuiesce(f func()) { quiesce.Store(&f) }

// Quiesce returns synctest.Wait, or nil if no world was ever made.
func Quiesce() func() {
	if p := quiesce.Load(); p != nil {
		return *p
	}
	return nil
}

// SetEnv installs the function that returns the calling goroutine's world
// environment: iox installs it when it makes its first Simulated
// scheduler.
func SetEnv(f func() any) { env.Store(&f) }

// Env returns the calling goroutine's world environment: the value package
// sim gave the world's host the goroutine runs on (inherited by the tasks
// and goroutines it starts), or nil outside a world.
func Env() any {
	if p := env.Load(); p != nil {
		return (*p)()
	}
	return nil
}

// EnvKey is the context key whose value is the environment of a task
// started with iox's GoContext: how package sim puts a host's first task
// on its host. The tasks and goroutines a task starts inherit it.
type EnvKey struct{}

var deadlock atomic.Pointer[func(s any)]

// SetDeadlock installs what a Simulated scheduler calls when its world is
// deadlocked: package sim's report. s is the *iox.Scheduler.
func SetDeadlock(f func(s any)) { deadlock.Store(&f) }

// Deadlock reports scheduler s's world deadlocked.
func Deadlock(s any) {
	if p := deadlock.Load(); p != nil {
		(*p)(s)
	}
}

// A Network is what netx asks of the host a world's goroutine runs on:
// package sim's hosts implement it. Its conns and listeners are raw: netx
// wraps them, so that their calls go through the door like any conn's.
type Network interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
	Listen(network, address string) (net.Listener, error)
	ListenPacket(network, address string) (net.PacketConn, error)
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupIP(ctx context.Context, network, host string) ([]net.IP, error)
	LookupPort(ctx context.Context, network, service string) (int, error)
}

// NetworkOf returns the simulated network of the calling goroutine, or
// nil outside a world.
func NetworkOf() Network {
	n, _ := Env().(Network)
	return n
}
