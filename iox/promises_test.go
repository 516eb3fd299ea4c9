package iox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// killingReader kills the calling task inside its Read, then returns
// data: what a source that is being read as the kill lands does.
type killingReader struct{ data []byte }

func (r *killingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	Current().Kill(errReason)
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// iox.Copy writes out what a Read returned before it reports the kill
// that landed during that Read (issue 9, line 2).
func TestCopyDeliversWhatItReadUnderKill(t *testing.T) {
	s := New()
	defer s.Close()
	var buf bytes.Buffer
	var n int64
	tk := s.Go(func(ctx context.Context) error {
		var err error
		n, err = Copy(struct{ io.Writer }{&buf}, &killingReader{data: []byte("data")})
		return err
	})
	err := tk.Wait()
	if !errors.Is(err, errReason) {
		t.Fatalf("Copy's task ended with %v, want the kill", err)
	}
	if buf.String() != "data" || n != 4 {
		t.Fatalf("Copy returned n=%d with %q written, want the 4 bytes it read", n, buf.String())
	}
}

// slowReader returns data after its scope has expired.
type slowReader struct {
	data []byte
	wait time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.wait) // a read the scope cannot cut (no deadline)
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestCopyDeliversWhatItReadUnderScope(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		var n int64
		err := Timeout(10*time.Millisecond, func() error {
			var err error
			n, err = Copy(struct{ io.Writer }{&buf}, &slowReader{data: []byte("late data"), wait: 20 * time.Millisecond})
			return err
		})
		if err != ErrTimeout {
			t.Fatalf("Timeout = %v, want ErrTimeout", err)
		}
		if buf.String() != "late data" || n != 9 {
			t.Fatalf("Copy returned n=%d with %q written, want what it read", n, buf.String())
		}
	})
}

// From an in-memory reader to a writer a kill cuts short, Copy moves the
// reader exactly as far as it wrote.
func TestCopyFromBufferIsExact(t *testing.T) {
	s := New()
	defer s.Close()
	src := bytes.NewReader(bytes.Repeat([]byte("x"), 1000))
	w := &killingWriter{after: 300}
	var n int64
	tk := s.Go(func(ctx context.Context) error {
		var err error
		n, err = Copy(w, src)
		return err
	})
	if err := tk.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("task ended with %v", err)
	}
	if int64(w.n) != n || src.Len() != 1000-int(n) {
		t.Fatalf("Copy returned %d, the writer got %d, the reader has %d left: want n, n and 1000-n", n, w.n, src.Len())
	}
}

// killingWriter writes after bytes, then kills its task and fails as a
// conn's write cut short by the kill does.
type killingWriter struct{ after, n int }

func (w *killingWriter) Write(p []byte) (int, error) {
	op, err := Begin(context.Background(), OpWrite, "w")
	if err != nil {
		return 0, err
	}
	n := min(len(p), w.after-w.n)
	w.n += n
	if n < len(p) {
		Current().Kill(errReason)
		return n, op.End(n, context.Canceled)
	}
	return n, op.End(n, nil)
}

// A raw receive from a ticker inside a scope ends at the scope's deadline
// (issue 9, line 6): the scope makes the ticker tick.
func TestRawTickerReceiveBoundByScope(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		Timeout(20*time.Millisecond, func() error {
			<-NewTicker(time.Hour).C
			return nil
		})
		if d := time.Since(start); d > 20*time.Millisecond+tickerWake {
			t.Fatalf("a raw ticker receive in a 20ms scope took %v", d)
		}
	})
}

// Recv of a timer brought forward by its scope unwinds to the scope's
// Timeout rather than running the code after it (issue 9, line 7).
func TestRecvTimerInScopeUnwinds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ranAfter := false
		start := time.Now()
		err := Timeout(20*time.Millisecond, func() error {
			Recv(NewTimer(time.Hour).C)
			ranAfter = true
			return nil
		})
		if err != ErrTimeout || ranAfter {
			t.Fatalf("Timeout = %v, code after Recv ran: %v; want ErrTimeout and no", err, ranAfter)
		}
		if d := time.Since(start); d != 20*time.Millisecond {
			t.Fatalf("took %v, want the scope's 20ms", d)
		}
	})
}

// Group.Wait and Pool.Wait from one of their own tasks return ErrWaitSelf
// instead of hanging (issue 9, line 8).
func TestGroupAndPoolSelfWait(t *testing.T) {
	var gr Group
	p := NewPool(2)
	gerr := make(chan error, 1)
	perr := make(chan error, 1)
	gr.Go(func(ctx context.Context) error { gerr <- gr.Wait(); return nil })
	p.Go(func(ctx context.Context) error { perr <- p.Wait(); return nil })
	if err := <-gerr; err != ErrWaitSelf {
		t.Fatalf("Group.Wait from its own task = %v, want ErrWaitSelf", err)
	}
	if err := <-perr; err != ErrWaitSelf {
		t.Fatalf("Pool.Wait from its own task = %v, want ErrWaitSelf", err)
	}
	if err := errors.Join(gr.Wait(), p.Wait()); err != nil {
		t.Fatal(err)
	}
}

// Scheduler.Close from a task of a Cooperative scheduler returns, with the
// watchdog off, under ReportOnly, and under the default policy without a
// report (issue 9, line 9; issue 11).
func TestCloseFromCooperativeTask(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{
		{"no watchdog", []Option{WithMaxBlocking(0)}},
		{"ReportOnly", []Option{WithBlockingPolicy(ReportOnly)}},
		{"default", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var reports atomic.Int32
				opts := append([]Option{WithMode(Cooperative), WithLog(nil), WithObserver(ObserverFunc(func(e Event) {
					if e.Kind == OpStall {
						reports.Add(1)
					}
				}))}, tc.opts...)
				s := New(opts...)
				start := time.Now()
				closer := s.Go(func(ctx context.Context) error {
					s.Go(func(ctx context.Context) error { Sleep(time.Hour); return nil })
					Yield() // the sleeper starts
					return s.Close()
				})
				// Close kills its caller too: the task ends with ErrClosed.
				if err := closer.Wait(); !errors.Is(err, ErrClosed) {
					t.Fatalf("a task that called Close ended with %v, want ErrClosed", err)
				}
				if d := time.Since(start); d > 0 {
					t.Fatalf("Close from a task took %v, want no time (no watchdog stall)", d)
				}
				if n := reports.Load(); n != 0 {
					t.Fatalf("%d watchdog reports, want none", n)
				}
			})
		})
	}
}

// Begin with a nil context panics with a message naming the mistake
// (issue 9, line 10), in a task and out of one.
func TestBeginNilContext(t *testing.T) {
	msg := func(f func()) (s string) {
		defer func() { s, _ = recover().(string) }()
		f()
		return ""
	}
	//lint:ignore SA1012 the nil context is the mistake under test
	if got := msg(func() { Begin(nil, OpRead, "x") }); !strings.Contains(got, "nil context") {
		t.Fatalf("Begin(nil) outside a task panicked with %q", got)
	}
	s := New()
	defer s.Close()
	got := make(chan string, 1)
	s.Go(func(ctx context.Context) error {
		//lint:ignore SA1012 the nil context is the mistake under test
		got <- msg(func() { Begin(nil, OpRead, "x") })
		return nil
	}).Wait()
	if m := <-got; !strings.Contains(m, "nil context") {
		t.Fatalf("Begin(nil) in a task panicked with %q", m)
	}
}

// A panicking task is reported as exactly one event, and its panic is
// its error.
func TestPanicIsOneEvent(t *testing.T) {
	var panics atomic.Int32
	var got Event
	s := New(WithObserver(ObserverFunc(func(e Event) {
		if e.Kind == OpPanic {
			panics.Add(1)
			got = e
		}
	})))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error { panic("kaboom") })
	var pe *PanicError
	if err := tk.Wait(); !errors.As(err, &pe) || pe.Value != "kaboom" {
		t.Fatalf("task ended with %v", err)
	}
	if n := panics.Load(); n != 1 {
		t.Fatalf("%d panic events, want 1", n)
	}
	if got.Task != tk || !errors.As(got.Err, &pe) || len(got.Stack) == 0 {
		t.Fatalf("panic event = %+v", got)
	}
}

// Without observers, a task's panic is printed on the scheduler's log.
func TestPanicPrintedWhenNobodyObserves(t *testing.T) {
	var out syncBuffer
	s := New(WithLog(&out))
	defer s.Close()
	s.Go(func(ctx context.Context) error { panic("kaboom") }).Wait()
	if !strings.Contains(out.String(), "panicked: kaboom") {
		t.Fatalf("log = %q, want the panic", out.String())
	}
}

// The zero Pool panics with a message instead of hanging or running
// without a limit; a Pool's or Group's settings changed after first use
// panic too.
func TestZeroPoolAndLateSettings(t *testing.T) {
	msg := func(f func()) (s string) {
		defer func() { s = toString(recover()) }()
		f()
		return ""
	}
	var p Pool
	if got := msg(func() { p.Go(func(ctx context.Context) error { return nil }) }); !strings.Contains(got, "NewPool") {
		t.Fatalf("zero Pool's Go panicked with %q, want a message naming NewPool", got)
	}
	gr := &Group{Limit: 1}
	gr.Go(func(ctx context.Context) error { return nil })
	gr.Limit = 2
	if got := msg(func() { gr.Go(func(ctx context.Context) error { return nil }) }); !strings.Contains(got, "after its first Go") {
		t.Fatalf("changed Group.Limit panicked with %q", got)
	}
	gr.Limit = 1
	gr.Wait()
	pool := NewPool(1)
	pool.Go(func(ctx context.Context) error { return nil })
	pool.Scheduler = New()
	defer pool.Scheduler.Close()
	if got := msg(func() { pool.Go(func(ctx context.Context) error { return nil }) }); !strings.Contains(got, "after its first use") {
		t.Fatalf("changed Pool.Scheduler panicked with %q", got)
	}
	pool.Scheduler = nil
	pool.Wait()
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case error:
		return v.Error()
	}
	return ""
}

// Stats has no side effect: asking for a scheduler's stats does not
// switch them on, and the door stays idle.
func TestStatsHasNoSideEffect(t *testing.T) {
	if Default().Stats() != nil || New().Stats() != nil {
		t.Fatal("Stats() returned stats nobody switched on")
	}
	if inForce.Load() != 0 {
		t.Fatalf("the door is not idle: inForce = %d", inForce.Load())
	}
	op, err := Begin(context.Background(), OpRead, "x")
	if op != nil || err != nil {
		t.Fatalf("Begin with nothing in force = %v, %v; want nil, nil", op, err)
	}
	var st *Stats
	if st.Kind(OpRead).Count != 0 || len(st.Targets()) != 0 || !strings.Contains(st.String(), "no stats") {
		t.Fatal("a nil *Stats reported something")
	}
}
