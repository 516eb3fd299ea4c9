package ioxtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRecorderKeepsEvents(t *testing.T) {
	var rec ioxtest.Recorder
	s := iox.New(iox.WithObserver(&rec))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		iox.Block("a", func() error { return nil })
		return iox.Block("b", func() error { return errors.New("b failed") })
	})
	tk.Wait()
	got := rec.Of(iox.OpBlock)
	if len(got) != 2 || got[0].Target != "a" || got[1].Target != "b" || got[1].Err == nil {
		t.Fatalf("recorded %v, want the calls a and b, b with its error", got)
	}
	if n := len(rec.Events()); n != 2 {
		t.Fatalf("Events() has %d events, want 2", n)
	}
	rec.Reset()
	if n := len(rec.Events()); n != 0 {
		t.Fatalf("after Reset, %d events", n)
	}
}

func TestWaitBlocked(t *testing.T) {
	s := iox.New()
	defer s.Close()
	q := iox.NewQueue[int](0)
	tk := s.Go(func(ctx context.Context) error { q.Get(); return nil })
	st := ioxtest.WaitBlocked(t, s, tk, iox.OpRecv)
	if st.State != iox.Blocked || st.Op != iox.OpRecv || st.Target != "queue" {
		t.Fatalf("state = %+v, want blocked in recv on the queue", st)
	}
	tk.Kill(nil)
	if err := tk.Wait(); !errors.Is(err, iox.ErrKilled) {
		t.Fatalf("task ended with %v", err)
	}
}

// fakeTB records a failure instead of ending the test.
type fakeTB struct{ msg string }

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

func TestWaitBlockedFailsWhenTheTaskEnds(t *testing.T) {
	s := iox.New()
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error { return nil })
	tk.Wait()
	tb := &fakeTB{}
	func() {
		defer func() {
			if r := recover(); r != tb {
				panic(r)
			}
		}()
		ioxtest.WaitBlocked(tb, s, tk, iox.OpRecv)
	}()
	if !strings.Contains(tb.msg, "ended") {
		t.Fatalf("failure = %q, want it to say the task ended", tb.msg)
	}
}
