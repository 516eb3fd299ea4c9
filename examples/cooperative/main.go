// Command cooperative shows iox's Cooperative mode, gevent's model: one
// task runs at a time and hands the turn over only at a blocking call, so
// many tasks can share a map without a lock, race-free; and a task that
// blocks outside the scheduler is caught by the watchdog, reported with
// its stack, and the program keeps going.
//
//	go run ./examples/cooperative
//	go run ./examples/cooperative -tasks 200 -rounds 500
//
// It exits 1 if the run failed, 2 for a bad flag.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/coop-go/coop/internal/cmdline"

	"github.com/coop-go/coop/iox"
)

func main() { os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr)) }

const synopsis = "usage: cooperative [-tasks n] [-rounds n]"

const about = `Runs -tasks tasks in Cooperative mode, each making -rounds updates of
one shared map without a lock, and checks that every update landed; then
shows the watchdog reporting a task that blocks outside the scheduler,
and the program going on. It exits 1 if the run failed, 2 for a bad flag.

`

// flags defines cooperative's flags in a new FlagSet that reports its
// errors to stderr.
func flags(tasks, rounds *int, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("cooperative", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // cli prints it: to stdout for -h, to stderr on a mistake
	fs.IntVar(tasks, "tasks", 50, "tasks sharing the map")
	fs.IntVar(rounds, "rounds", 2000, "updates per task")
	return fs
}

// cli runs cooperative with the command-line arguments args and returns
// its exit status: 0 when it ran (or printed its usage for -h), 1 when the
// run failed, 2 for a bad flag or argument, named in the message on
// stderr.
func cli(args []string, stdout, stderr io.Writer) int {
	var tasks, rounds int
	fs := flags(&tasks, &rounds, stderr)
	if code, exit := cmdline.Parse(fs, args, synopsis, about, stdout, stderr); exit {
		return code
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "cooperative: unexpected argument %q: cooperative takes only flags (cooperative -h for more)\n", fs.Arg(0))
		return 2
	case tasks < 1:
		fmt.Fprintf(stderr, "cooperative: -tasks must be at least 1, not %d\n", tasks)
		return 2
	case rounds < 1:
		fmt.Fprintf(stderr, "cooperative: -rounds must be at least 1, not %d\n", rounds)
		return 2
	}
	if err := run(stdout, tasks, rounds); err != nil {
		fmt.Fprintln(stderr, "cooperative:", err)
		return 1
	}
	return 0
}

func run(w io.Writer, tasks, rounds int) error {
	if err := sharedMap(w, tasks, rounds); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return watchdog(w)
}

// sharedMap has tasks count words into one map with no mutex. Each update
// reads the count, works a little, then writes it back: in parallel Go
// that loses updates (and -race reports it); here no other task runs
// between two blocking calls, and each hand-over of the turn orders
// memory, so every update lands.
func sharedMap(w io.Writer, tasks, rounds int) error {
	// ReportOnly: the watchdog reports a task that holds the turn too long
	// but does not hand the turn over, so no two tasks ever run at once and
	// the count is exact even on a machine so loaded that a stretch between
	// two Yields takes the watchdog's 100 ms. (HandOver, the default, keeps
	// a program going past a task that blocks outside the scheduler; the
	// second half shows it.)
	s := iox.New(iox.WithMode(iox.Cooperative), iox.WithName("words"), iox.WithBlockingPolicy(iox.ReportOnly))
	defer s.Close()
	words := []string{"alpha", "beta", "gamma", "delta", "epsilon"}
	counts := map[string]int{} // no lock: see above
	start := time.Now()
	var all []*iox.Task
	for i := range tasks {
		all = append(all, s.Go(func(ctx context.Context) error {
			for r := range rounds {
				word := words[(i+r)%len(words)]
				n := counts[word] // read...
				n += busy(r)      // ...work, no blocking call...
				counts[word] = n  // ...write
				if r%10 == 0 {
					iox.Yield() // a blocking call: the turn passes here
				}
			}
			return nil
		}))
	}
	if done := iox.JoinAll(time.Minute, all...); len(done) != tasks {
		return fmt.Errorf("%d of %d tasks finished", len(done), tasks)
	}
	total := 0
	keys := make([]string, 0, len(counts))
	for k, v := range counts {
		total += v
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "%d tasks × %d updates of a shared map, no lock, %v:\n", tasks, rounds, time.Since(start).Round(time.Millisecond))
	for _, k := range keys {
		fmt.Fprintf(w, "  %-8s %d\n", k, counts[k])
	}
	verdict := "every update landed"
	if total != tasks*rounds {
		verdict = "updates were lost"
	}
	fmt.Fprintf(w, "total %d of %d: %s\n", total, tasks*rounds, verdict)
	if total != tasks*rounds {
		return fmt.Errorf("lost %d updates", tasks*rounds-total)
	}
	return nil
}

// busy stands for work between the read and the write; it returns 1.
func busy(seed int) int {
	x := seed
	for i := range 200 {
		x = x*31 + i
	}
	if x == seed-1 { // never true in practice; keeps the work from being optimised away
		return 2
	}
	return 1
}

// watchdog runs a task that blocks without telling the scheduler (a raw
// time.Sleep, as unpatched code does) while another waits for the turn.
// The watchdog reports it with its stack and, by its default policy, hands
// the turn over, so the waiting task still runs.
func watchdog(w io.Writer) error {
	reports := make(chan iox.Event, 1)
	s := iox.New(iox.WithMode(iox.Cooperative), iox.WithName("watched"),
		iox.WithMaxBlocking(50*time.Millisecond),
		iox.WithObserver(iox.ObserverFunc(func(e iox.Event) {
			if e.Kind == iox.OpStall {
				select {
				case reports <- e:
				default:
				}
			}
		})))
	defer s.Close()
	var order []string
	blocker := s.Go(func(ctx context.Context) error {
		time.Sleep(300 * time.Millisecond) // not iox.Sleep: the scheduler cannot see it
		// After a hand-over two tasks run at once until the offender's next
		// blocking call; this one waits for the turn again before it
		// touches shared state.
		iox.Yield()
		order = append(order, "blocker done")
		return nil
	}).SetName("blocker")
	other := s.Go(func(ctx context.Context) error {
		order = append(order, "other ran")
		return nil
	}).SetName("other")
	iox.JoinAll(10*time.Second, blocker, other)
	select {
	case e := <-reports:
		fmt.Fprintf(w, "watchdog: task %q held the turn for %v without a blocking call\n", e.Task.Name(), e.Duration.Round(10*time.Millisecond))
		fmt.Fprintf(w, "  where it was: %s\n", firstFrame(e.Stack))
	default:
		return fmt.Errorf("the watchdog did not report the blocked task")
	}
	fmt.Fprintf(w, "order: %s (the turn was handed over, the program went on)\n", strings.Join(order, ", "))
	return nil
}

// firstFrame returns the first frame of a stack that is the program's own
// code, not the runtime's, package time's or iox's, as "function at
// file:line". A stack from runtime.Stack has two lines a frame: the call,
// with its argument words, then a tab, the file and line, and the offset.
func firstFrame(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i, line := range lines {
		switch {
		case line == "", strings.HasPrefix(line, "goroutine "), strings.HasPrefix(line, "\t"),
			strings.HasPrefix(line, "runtime."), strings.HasPrefix(line, "time."),
			strings.HasPrefix(line, "github.com/coop-go/coop/iox."):
			continue
		}
		fn := line
		if j := strings.LastIndexByte(fn, '('); j > 0 {
			fn = fn[:j] // the argument words say nothing to a reader
		}
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			where, _, _ := strings.Cut(strings.TrimPrefix(lines[i+1], "\t"), " +0x")
			return fn + " at " + filepath.Base(where)
		}
		return fn
	}
	return "(unknown)"
}
