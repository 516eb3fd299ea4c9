package iox_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/coop-go/coop/iox"
)

// A task that waits in a raw channel receive is invisible to the
// scheduler (a kill would not reach it until its next coop call); Parked
// finds it, with the line of its code that waits. A task in a coop call
// (iox.Sleep) is not listed.
func ExampleScheduler_Parked() {
	s := iox.New()
	defer s.Close()
	never := make(chan int)
	defer close(never)
	named := make(chan struct{})
	s.Go(func(ctx context.Context) error {
		<-named
		iox.Sleep(time.Hour)
		return nil
	}).SetName("sleeper")
	raw := s.Go(func(ctx context.Context) error {
		<-named
		<-never // a raw receive: outside coop
		return nil
	}).SetName("raw")
	close(named)
	for {
		for _, p := range s.Parked(0) {
			if p.ID == raw.ID() {
				fmt.Printf("task '%s' in %s at %s\n", p.Name, p.Wait, p.At[strings.LastIndexByte(p.At, '/')+1:])
				return
			}
		}
		runtime.Gosched()
	}
	// Output:
	// task 'raw' in chan receive at example_parked_test.go:30
}
