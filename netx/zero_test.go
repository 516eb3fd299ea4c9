package netx

import (
	"context"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

// A zero netx conn or listener (var c netx.TCPConn) behaves as package
// net's zero value of the same type: every method of net's type returns
// what net's does (syscall.EINVAL, mostly) or panics where net's panics,
// on a goroutine that is no task, in a timeout scope, and in a task.
func TestZeroValuesBehaveAsNets(t *testing.T) {
	pairs := []struct{ std, ours any }{
		{&net.TCPConn{}, &TCPConn{}},
		{&net.UDPConn{}, &UDPConn{}},
		{&net.UnixConn{}, &UnixConn{}},
		{&net.IPConn{}, &IPConn{}},
		{&net.TCPListener{}, &TCPListener{}},
		{&net.UnixListener{}, &UnixListener{}},
	}
	where := map[string]func(func()){
		"no task":  func(f func()) { f() },
		"in scope": func(f func()) { iox.Timeout(time.Hour, func() error { f(); return nil }) },
		"in task": func(f func()) {
			s := iox.New()
			defer s.Close()
			s.Go(func(context.Context) error { f(); return nil }).Wait()
		},
	}
	for _, p := range pairs {
		std, ours := reflect.ValueOf(p.std), reflect.ValueOf(p.ours)
		if std.NumMethod() < 5 {
			t.Fatalf("%v has %d methods", std.Type(), std.NumMethod())
		}
		for i := range std.NumMethod() {
			name := std.Type().Method(i).Name
			if !ours.MethodByName(name).IsValid() {
				t.Errorf("%v lacks %s", ours.Type(), name)
				continue
			}
			for place, run := range where {
				var want, got string
				run(func() {
					want = callZero(std.Method(i))
					got = callZero(ours.MethodByName(name))
				})
				if got != want {
					t.Errorf("%s: zero %v.%s = %s, want %s as %v's", place, ours.Type(), name, got, want, std.Type())
				}
			}
		}
	}
}

// callZero calls m with zero arguments and describes what it returned, or
// that it panicked.
func callZero(m reflect.Value) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = "panic"
		}
	}()
	args := make([]reflect.Value, m.Type().NumIn())
	for i := range args {
		args[i] = reflect.Zero(m.Type().In(i))
	}
	var parts []string
	for _, r := range m.Call(args) {
		v := r.Interface()
		if err, ok := v.(error); ok {
			parts = append(parts, fmt.Sprintf("error %q", err))
		} else {
			parts = append(parts, fmt.Sprintf("%#v", v))
		}
	}
	// A netx method returns netx's types where net's returns net's.
	return strings.ReplaceAll(strings.Join(parts, ", "), "*netx.", "*net.")
}
