// Package cooperative runs tasks on a Cooperative scheduler, and waits in
// them in ways that keep the turn.
package cooperative

import (
	"context"
	"fmt"
	"sync"
	"time" // iox's users may keep package time: this package is not meant to be swapped

	"github.com/coop-go/coop/iox"
)

var (
	ch   = make(chan int, 1)
	mu   sync.Mutex
	pmu  = &sync.Mutex{}
	rw   sync.RWMutex
	wg   sync.WaitGroup
	cond = sync.NewCond(&mu)
)

func Run() {
	s := iox.New(iox.WithMode(iox.Cooperative))
	s.Go(func(ctx context.Context) error {
		<-ch                     // want `a channel receive in a Cooperative task keeps the turn`
		v := <-ch                // want `a channel receive in a Cooperative task`
		v, ok := <-ch            // want `a channel receive in a Cooperative task`
		fmt.Println(v, ok, <-ch) // want `a channel receive in a Cooperative task`
		ch <- v                  // want `a channel send in a Cooperative task keeps the turn`
		select {                 // want `a select in a Cooperative task keeps the turn`
		case <-ch:
			ch <- 1 // want `a channel send in a Cooperative task`
		case <-ctx.Done():
		}
		select {
		case v := <-ch:
			_ = v
		default:
		}
		for range ch { // want `ranging over a channel in a Cooperative task`
		}
		mu.Lock() // want `a sync lock wait in a Cooperative task keeps the turn`
		mu.Unlock()
		pmu.Lock() // want `a sync lock wait in a Cooperative task`
		pmu.Unlock()
		rw.RLock() // want `a sync lock wait in a Cooperative task`
		rw.RUnlock()
		wg.Wait()                    // want `a sync.WaitGroup wait in a Cooperative task keeps the turn`
		cond.Wait()                  // want `a sync.Cond wait in a Cooperative task keeps the turn`
		time.Sleep(time.Millisecond) // want `time.Sleep in a Cooperative task keeps the turn: use iox.Sleep`
		func() {
			<-ch // want `a channel receive in a Cooperative task`
		}()
		later := func() { <-ch } // a callback: who knows where it runs
		later()
		iox.Spawn(func(ctx context.Context) error {
			<-ch // want `a channel receive in a Cooperative task`
			return nil
		})
		iox.Recv(ch) // the fix
		return nil
	})
	s.Go(worker)

	free := iox.New()
	free.Go(func(ctx context.Context) error {
		<-ch // Free mode: another task runs meanwhile
		return nil
	})

	g := &iox.Group{Scheduler: s}
	g.Go(func(ctx context.Context) error {
		<-ch // want `a channel receive in a Cooperative task`
		return nil
	})

	p := &pool{s: iox.New(iox.WithMode(iox.Cooperative))}
	p.s.Go(func(ctx context.Context) error {
		ch <- 2 // want `a channel send in a Cooperative task`
		return nil
	})
}

func worker(ctx context.Context) error {
	<-ch // want `a channel receive in a Cooperative task`
	return nil
}

type pool struct{ s *iox.Scheduler }
