package livetest

import (
	"testing"

	"github.com/coop-go/coop/iox"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNew(t *testing.T) {
	var before *iox.Scheduler
	sc := New(t, 3, func(s *iox.Scheduler) { before = s })
	if before != sc.S {
		t.Errorf("before got %p, want the scene's scheduler %p", before, sc.S)
	}
	snap := sc.S.Snapshot()
	if len(snap.Tasks) != 7 {
		t.Fatalf("%d tasks, want 7:\n%v", len(snap.Tasks), snap)
	}
	want := map[uint64]iox.OpKind{sc.Reader.ID(): iox.OpRead, sc.Sleeper.ID(): iox.OpSleep, sc.Receiver.ID(): iox.OpRecv, sc.Locker.ID(): iox.OpLock}
	for _, w := range sc.Workers {
		want[w.ID()] = iox.OpRecv
	}
	for _, ts := range snap.Tasks {
		if ts.State != iox.Blocked || ts.Op != want[ts.ID] {
			t.Errorf("task %d %s: %v in %v, want blocked in %v", ts.ID, ts.Name, ts.State, ts.Op, want[ts.ID])
		}
	}
	if st, _ := snap.Task(sc.Reader.ID()); st.Target != sc.Addr {
		t.Errorf("reader's target %q, want %q", st.Target, sc.Addr)
	}
	for i, w := range sc.Workers {
		if st, _ := snap.Task(w.ID()); st.Ops != int64(i) {
			t.Errorf("worker %d made %d calls, want %d", i, st.Ops, i)
		}
	}
}
