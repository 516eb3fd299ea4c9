package deadline

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// stream records the real deadline a Keeper applies.
type stream struct {
	mu   sync.Mutex
	real time.Time
	sets int
}

func (s *stream) apply(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.real, s.sets = t, s.sets+1
	return nil
}

func (s *stream) get() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.real
}

func newKeeper() (*Keeper, *stream) {
	s := &stream{}
	return &Keeper{Apply: s.apply}, s
}

var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }

func TestRealDeadlineIsEarliest(t *testing.T) {
	k, s := newKeeper()
	k.Set(at(500))
	a, b := new(int), new(int)
	k.Begin(a, at(300))
	if got := s.get(); !got.Equal(at(300)) {
		t.Fatalf("with a call limited to 300ms: real = %v, want 300ms", got.Sub(base))
	}
	k.Begin(b, at(100))
	if got := s.get(); !got.Equal(at(100)) {
		t.Fatalf("with a second call limited to 100ms: real = %v, want 100ms", got.Sub(base))
	}
	k.End(b)
	if got := s.get(); !got.Equal(at(300)) {
		t.Fatalf("after the 100ms call ended: real = %v, want 300ms", got.Sub(base))
	}
	k.End(a)
	if got := s.get(); !got.Equal(at(500)) {
		t.Fatalf("after both ended: real = %v, want the user's 500ms", got.Sub(base))
	}
	if got := k.User(); !got.Equal(at(500)) {
		t.Fatalf("User() = %v, want 500ms", got.Sub(base))
	}
}

func TestLaterLimitLeavesUserDeadline(t *testing.T) {
	k, s := newKeeper()
	k.Set(at(100))
	sets := s.sets
	c := new(int)
	k.Begin(c, at(900))
	k.End(c)
	if got := s.get(); !got.Equal(at(100)) || s.sets != sets {
		t.Fatalf("a later limit changed the real deadline: %v after %d sets", got.Sub(base), s.sets-sets)
	}
}

func TestInterruptHoldsPastUntilEnd(t *testing.T) {
	k, s := newKeeper()
	k.Set(at(500))
	killed, other := new(int), new(int)
	k.Begin(other, at(200))
	k.Interrupt(killed) // a call without a limit, killed
	if got := s.get(); !got.Before(base) {
		t.Fatalf("interrupted: real = %v, want the past", got)
	}
	k.Set(at(50)) // the user's change does not undo the interruption
	if got := s.get(); !got.Before(base) {
		t.Fatalf("Set during an interruption: real = %v, want the past", got)
	}
	k.End(killed)
	if got := s.get(); !got.Equal(at(50)) {
		t.Fatalf("after the interrupted call: real = %v, want the user's new 50ms", got.Sub(base))
	}
	k.End(other)
	if got := s.get(); !got.Equal(at(50)) {
		t.Fatalf("after all calls: real = %v, want 50ms", got.Sub(base))
	}
}

func TestUserSetDuringScopedCall(t *testing.T) {
	k, s := newKeeper()
	c := new(int)
	k.Begin(c, at(100))
	k.Set(at(50)) // earlier than the scope: applies at once
	if got := s.get(); !got.Equal(at(50)) {
		t.Fatalf("Set(50ms) during a 100ms call: real = %v", got.Sub(base))
	}
	k.Set(time.Time{}) // none: the scope's limit holds
	if got := s.get(); !got.Equal(at(100)) {
		t.Fatalf("Set(zero) during a 100ms call: real = %v", got.Sub(base))
	}
	k.End(c)
	if got := s.get(); !got.IsZero() {
		t.Fatalf("after the call: real = %v, want none", got)
	}
}

func TestSpurious(t *testing.T) {
	k, _ := newKeeper()
	victim, killer := new(int), new(int)
	seen := k.Moves()
	if retry, _ := k.Spurious(victim, seen, at(0)); retry {
		t.Fatal("a timeout nothing explains was called spurious")
	}
	k.Interrupt(killer)
	retry, wait := k.Spurious(victim, seen, at(0))
	if !retry || wait == nil {
		t.Fatalf("while another call is interrupted: retry=%v wait=%v, want true and a channel", retry, wait)
	}
	k.End(killer)
	select {
	case <-wait:
	default:
		t.Fatal("the wait channel stayed open after the deadline moved back")
	}
	// The move happened and was undone since the victim started: still
	// spurious, and nothing to wait for.
	if retry, wait := k.Spurious(victim, seen, at(0)); !retry || wait != nil {
		t.Fatalf("after the move was undone: retry=%v wait=%v, want true and nil", retry, wait)
	}
	// The victim's own deadline passed: its own timeout.
	k.Set(at(10))
	if retry, _ := k.Spurious(victim, k.Moves(), at(20)); retry {
		t.Fatal("a timeout after the user's deadline was called spurious")
	}
	// An interrupted call's timeout is its own.
	k.Set(time.Time{})
	k.Interrupt(victim)
	if retry, _ := k.Spurious(victim, seen, at(0)); retry {
		t.Fatal("an interrupted call's timeout was called spurious")
	}
	k.End(victim)
	// A call whose own limit passed.
	k.Begin(victim, at(5))
	if retry, _ := k.Spurious(victim, seen, at(6)); retry {
		t.Fatal("a timeout after the call's own limit was called spurious")
	}
	k.End(victim)
}

// Many goroutines begin, interrupt and end calls at once: afterwards the
// real deadline is the user's.
func TestConcurrentCallsRestoreUser(t *testing.T) {
	k, s := newKeeper()
	k.Set(at(1000))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 500 {
				key := new(int)
				k.Begin(key, at(i*10+j%7))
				if j%3 == 0 {
					k.Interrupt(key)
				}
				k.End(key)
			}
		}()
	}
	wg.Wait()
	if got := s.get(); !got.Equal(at(1000)) {
		t.Fatalf("after all calls: real = %v, want the user's", got.Sub(base))
	}
	if k.moving.Load() {
		t.Fatal("the keeper still thinks a call holds the deadline")
	}
}

// A user's SetDeadline that races a scoped call's Begin is never
// overridden: whichever comes first, the real deadline ends up the
// earliest of the two, and the user's after the call (issue 9, line 5:
// the old keeper read the user's deadline without its lock before arming
// the scope's, so an earlier one set in between was lost for the call).
func TestSetRacingBeginIsKept(t *testing.T) {
	for i := range 2000 {
		k, s := newKeeper()
		k.Set(at(1000))
		key := new(int)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); k.Begin(key, at(500)) }()
		go func() { defer wg.Done(); k.Set(at(100)) }()
		wg.Wait()
		if got := s.get(); !got.Equal(at(100)) {
			t.Fatalf("iteration %d: real = %v, want the user's 100ms, earlier than the scope's 500ms", i, got.Sub(base))
		}
		k.End(key)
		if got := s.get(); !got.Equal(at(100)) {
			t.Fatalf("iteration %d: after the call, real = %v, want the user's 100ms", i, got.Sub(base))
		}
	}
}
