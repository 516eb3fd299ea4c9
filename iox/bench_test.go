package iox

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coop-go/coop/internal/goid"
	"github.com/coop-go/coop/internal/procmem"
)

// rawCall stands for the real blocking call a shim wraps; a variable so
// that it is not inlined away.
var rawCall = func() (int, error) { return 1, nil }

// inTask runs f on the goroutine of a task of s and fails b on error.
func inTask(b *testing.B, s *Scheduler, f func() error) {
	b.Helper()
	if err := s.Go(func(ctx context.Context) error { return f() }).Wait(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDoor measures what Begin/End add to a call: raw is the call
// alone; idle is the door with nothing in force (no task, scope or
// observer anywhere); task and scope are inside a task, and inside a
// timeout scope in a task; plain-scope is a scope on a goroutine that is
// no task.
func BenchmarkDoor(b *testing.B) {
	door := func() {
		op, err := Begin(context.Background(), OpRead, "x")
		if err != nil {
			panic(err)
		}
		n, err := rawCall()
		op.End(n, err)
	}
	b.Run("impl=raw", func(b *testing.B) {
		for range b.N {
			rawCall()
		}
	})
	b.Run("impl=idle", func(b *testing.B) {
		if inForce.Load() != 0 {
			b.Skip("something is in force")
		}
		for range b.N {
			door()
		}
	})
	b.Run("impl=task", func(b *testing.B) {
		inTask(b, New(), func() error {
			b.ResetTimer()
			for range b.N {
				door()
			}
			return nil
		})
	})
	b.Run("impl=scope", func(b *testing.B) {
		inTask(b, New(), func() error {
			return Timeout(time.Hour, func() error {
				b.ResetTimer()
				for range b.N {
					door()
				}
				return nil
			})
		})
	})
	b.Run("impl=plain-scope", func(b *testing.B) {
		Timeout(time.Hour, func() error {
			b.ResetTimer()
			for range b.N {
				door()
			}
			return nil
		})
	})
	b.Run("impl=cooperative", func(b *testing.B) {
		inTask(b, New(WithMode(Cooperative)), func() error {
			b.ResetTimer()
			for range b.N {
				door()
			}
			return nil
		})
	})
}

// BenchmarkCurrent measures finding the calling task from the goroutine id
// (fast path: the id from the runtime's goroutine header; slow path: the
// id parsed from a stack trace, used if the fast path ever disagrees).
func BenchmarkCurrent(b *testing.B) {
	b.Run("impl=fast", func(b *testing.B) {
		inTask(b, New(), func() error {
			b.ResetTimer()
			for range b.N {
				if Current() == nil {
					b.Fatal("no task")
				}
			}
			return nil
		})
	})
	b.Run("impl=slow", func(b *testing.B) {
		inTask(b, New(), func() error {
			b.ResetTimer()
			for range b.N {
				if lookup(goid.Slow()) == nil {
					b.Fatal("no task")
				}
			}
			return nil
		})
	})
}

// BenchmarkHandOff measures one hand-off between two goroutines taking
// turns: raw-chan is a ping-pong over two unbuffered channels, gosched is
// runtime.Gosched between two goroutines pinned to one P's worth of work,
// yield is two tasks of a Cooperative scheduler alternating with Yield
// (gevent.sleep(0)).
func BenchmarkHandOff(b *testing.B) {
	b.Run("impl=raw-chan", func(b *testing.B) {
		ping, pong := make(chan struct{}), make(chan struct{})
		go func() {
			for range pong {
				ping <- struct{}{}
			}
		}()
		b.ResetTimer()
		for i := 0; i < b.N; i += 2 {
			pong <- struct{}{}
			<-ping
		}
		b.StopTimer()
		close(pong)
	})
	b.Run("impl=yield", func(b *testing.B) {
		s := New(WithMode(Cooperative))
		defer s.Close()
		n := b.N / 2
		var tasks []*Task
		start := make(chan struct{})
		gate := s.Go(func(ctx context.Context) error {
			for range 2 {
				tasks = append(tasks, s.Go(func(ctx context.Context) error {
					for range n {
						Yield()
					}
					return nil
				}))
			}
			close(start)
			return nil
		})
		<-start
		b.ResetTimer()
		gate.Wait()
		JoinAll(time.Hour, tasks...)
	})
}

// BenchmarkSpawnJoin starts and joins 100,000 tasks per iteration, next
// to 100,000 plain goroutines and a WaitGroup (gevent's spawn_join);
// ns/task is the figure.
func BenchmarkSpawnJoin(b *testing.B) {
	const n = 100_000
	var cpu time.Duration
	perTask := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
		b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*n), "cpu-ns/task")
	}
	b.Run("impl=goroutines", func(b *testing.B) {
		cpu = cpuTime()
		for range b.N {
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() { wg.Done() }()
			}
			wg.Wait()
		}
		perTask(b)
	})
	for _, mode := range []Mode{Free, Cooperative} {
		b.Run("impl=tasks-"+mode.String(), func(b *testing.B) {
			s := New(WithMode(mode))
			defer s.Close()
			tasks := make([]*Task, n)
			cpu = cpuTime()
			for range b.N {
				for i := range tasks {
					tasks[i] = s.Go(func(ctx context.Context) error { return nil })
				}
				JoinAll(time.Hour, tasks...)
			}
			perTask(b)
		})
	}
}

// BenchmarkSleepingMemory measures the memory of 100,000 tasks blocked in
// Sleep next to 100,000 goroutines blocked in a cancellable timer (a
// select on time.After and ctx.Done). Reported per goroutine: heap and
// stack bytes from runtime.MemStats, and the process's resident set.
func BenchmarkSleepingMemory(b *testing.B) {
	const n = 100_000
	measure := func(b *testing.B, start func(stop <-chan struct{}, ready *sync.WaitGroup), stopAll func()) {
		for range b.N {
			runtime.GC()
			before, rssBefore := procmem.InUse(), procmem.RSS()
			stop := make(chan struct{})
			var ready sync.WaitGroup
			ready.Add(n)
			start(stop, &ready)
			ready.Wait()
			runtime.GC()
			after, rssAfter := procmem.InUse(), procmem.RSS()
			b.ReportMetric(float64(after-before)/n, "B/goroutine")
			b.ReportMetric(float64(rssAfter-rssBefore)/n, "RSS-B/goroutine")
			close(stop)
			stopAll()
		}
	}
	b.Run("impl=goroutine-timer", func(b *testing.B) {
		var wg sync.WaitGroup
		measure(b, func(stop <-chan struct{}, ready *sync.WaitGroup) {
			ctx, cancel := context.WithCancel(context.Background())
			go func() { <-stop; cancel() }()
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					t := time.NewTimer(time.Hour)
					defer t.Stop()
					ready.Done()
					select {
					case <-t.C:
					case <-ctx.Done():
					}
				}()
			}
		}, wg.Wait)
	})
	b.Run("impl=task-Sleep", func(b *testing.B) {
		s := New()
		var tasks []*Task
		measure(b, func(stop <-chan struct{}, ready *sync.WaitGroup) {
			tasks = tasks[:0]
			for range n {
				tasks = append(tasks, s.Go(func(ctx context.Context) error {
					ready.Done()
					Sleep(time.Hour)
					return nil
				}))
			}
		}, func() {
			KillAll(nil, tasks...)
			JoinAll(time.Hour, tasks...)
		})
		s.Close()
	})
}

// BenchmarkKillLatency measures the time from Kill to the end of Wait for
// a task blocked in Sleep, on the machine's clock.
func BenchmarkKillLatency(b *testing.B) {
	s := New()
	defer s.Close()
	var total time.Duration
	for range b.N {
		started := make(chan struct{})
		tk := s.Go(func(ctx context.Context) error {
			close(started)
			Sleep(time.Hour)
			return nil
		})
		<-started
		runtime.Gosched()
		t0 := time.Now()
		tk.Kill(nil)
		tk.Wait()
		total += time.Since(t0)
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/kill")
}

// BenchmarkDoorStats measures the door in a task with nothing reported,
// with the built-in stats, and with stats and one observer. Run it with
// -cpu 1,2: the stats take no shared lock, so the per-call cost holds as
// cores are added (RunParallel puts one task per core at it).
func BenchmarkDoorStats(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"off", nil},
		{"stats", []Option{WithStats()}},
		{"stats+observer", []Option{WithStats(), WithObserver(ObserverFunc(func(Event) {}))}},
	} {
		b.Run("impl="+tc.name, func(b *testing.B) {
			s := New(tc.opts...)
			defer s.Close()
			b.RunParallel(func(pb *testing.PB) {
				err := s.Go(func(ctx context.Context) error {
					for pb.Next() {
						op, err := Begin(ctx, OpRead, "10.0.0.3:443")
						if err != nil {
							return err
						}
						n, err := rawCall()
						op.End(n, err)
					}
					return nil
				}).Wait()
				if err != nil {
					b.Error(err)
				}
			})
		})
	}
}

// BenchmarkChannelHandOff is gevent's switch_channel: two tasks of a
// Cooperative scheduler ping-pong a value, over unbuffered Go channels
// with Recv/Send, and over two Queues. ns/op is per hand-off.
func BenchmarkChannelHandOff(b *testing.B) {
	pingPong := func(b *testing.B, ping, pong func(i int)) {
		s := New(WithMode(Cooperative))
		defer s.Close()
		n := b.N / 2
		b.ResetTimer()
		a := s.Go(func(ctx context.Context) error {
			for i := range n {
				ping(i)
			}
			return nil
		})
		c := s.Go(func(ctx context.Context) error {
			for i := range n {
				pong(i)
			}
			return nil
		})
		JoinAll(time.Hour, a, c)
	}
	b.Run("impl=raw-chan", func(b *testing.B) {
		c1, c2 := make(chan int), make(chan int)
		n := b.N / 2
		go func() {
			for range n {
				c2 <- <-c1
			}
		}()
		for i := range n {
			c1 <- i
			<-c2
		}
	})
	b.Run("impl=Recv-Send", func(b *testing.B) {
		c1, c2 := make(chan int), make(chan int)
		pingPong(b, func(i int) { Send(c1, i); Recv(c2) }, func(int) { v, _ := Recv(c1); Send(c2, v) })
	})
	b.Run("impl=Queue", func(b *testing.B) {
		var q1, q2 Queue[int]
		pingPong(b, func(i int) { q1.Put(i); q2.Get() }, func(int) { q2.Put(q1.Get()) })
	})
}

// BenchmarkFlagHandOff is gevent's switch_event: ping-pong through two
// Flags with Set, Wait and Clear in a Cooperative scheduler. ns/op is per
// hand-off.
func BenchmarkFlagHandOff(b *testing.B) {
	s := New(WithMode(Cooperative))
	defer s.Close()
	var e1, e2 Flag
	n := b.N / 2
	b.ResetTimer()
	a := s.Go(func(ctx context.Context) error {
		for range n {
			e1.Set()
			e2.Wait()
			e2.Clear()
		}
		return nil
	})
	c := s.Go(func(ctx context.Context) error {
		for range n {
			e1.Wait()
			e1.Clear()
			e2.Set()
		}
		return nil
	})
	JoinAll(time.Hour, a, c)
}

// BenchmarkSpawnChildren has one Cooperative task spawn n children and then
// wait for each, next to a goroutine doing the same with goroutines and
// channels; ns/child is the figure, which should not grow with n.
func BenchmarkSpawnChildren(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 30_000, 100_000} {
		perChild := func(b *testing.B) {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/child")
		}
		b.Run("impl=goroutines/n="+strconv.Itoa(n), func(b *testing.B) {
			for range b.N {
				dones := make([]chan struct{}, n)
				for i := range dones {
					ch := make(chan struct{})
					dones[i] = ch
					go func() { close(ch) }()
				}
				for _, ch := range dones {
					<-ch
				}
			}
			perChild(b)
		})
		b.Run("impl=tasks-Cooperative/n="+strconv.Itoa(n), func(b *testing.B) {
			s := New(WithMode(Cooperative), WithMaxBlocking(maxBlockingForBench))
			defer s.Close()
			var spawning time.Duration
			for range b.N {
				inTask(b, s, func() error {
					kids := make([]*Task, n)
					t0 := time.Now()
					for i := range kids {
						kids[i] = Spawn(func(ctx context.Context) error { return nil })
					}
					spawning += time.Since(t0)
					for _, k := range kids {
						if err := k.Wait(); err != nil {
							return err
						}
					}
					return nil
				})
			}
			perChild(b)
			b.ReportMetric(float64(spawning.Nanoseconds())/float64(b.N*n), "spawn-ns/child")
		})
	}
}

var maxBlockingForBench time.Duration = 0

// cpuTime is the CPU time the process has used, user and system: on a
// shared machine a steadier figure than the wall clock's.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
