package iox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"testing/synctest"
	"time"
)

func TestTimeoutErrorSatisfiesStandardChecks(t *testing.T) {
	var ne net.Error
	if !errors.As(ErrTimeout, &ne) || !ne.Timeout() {
		t.Fatal("ErrTimeout is not a net.Error with Timeout() == true")
	}
	if !errors.Is(ErrTimeout, os.ErrDeadlineExceeded) || !errors.Is(ErrTimeout, context.DeadlineExceeded) {
		t.Fatal("ErrTimeout does not match os.ErrDeadlineExceeded and context.DeadlineExceeded")
	}
	wrapped := fmt.Errorf("fetch: %w", ErrTimeout)
	if !errors.Is(wrapped, ErrTimeout) || !errors.Is(wrapped, os.ErrDeadlineExceeded) {
		t.Fatal("a wrapped ErrTimeout loses its identity")
	}
}

func TestTimeoutFiresOnPlainGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		after := false
		err := Timeout(50*time.Millisecond, func() error {
			Sleep(time.Hour)
			after = true
			return nil
		})
		if err != ErrTimeout {
			t.Fatalf("Timeout() = %v, want ErrTimeout", err)
		}
		if after {
			t.Fatal("code after the expired Sleep ran")
		}
		if d := time.Since(start); d != 50*time.Millisecond {
			t.Fatalf("scope expired after %v, want 50ms", d)
		}
	})
}

func TestTimeoutFiresInTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tk := Spawn(func(ctx context.Context) error {
			return Timeout(time.Second, func() error {
				Sleep(time.Hour)
				return nil
			})
		})
		if err := tk.Wait(); err != ErrTimeout {
			t.Fatalf("task returned %v, want ErrTimeout", err)
		}
	})
}

func TestTimeoutReturnsFnResult(t *testing.T) {
	want := errors.New("x")
	if got := Timeout(time.Hour, func() error { return want }); got != want {
		t.Fatalf("Timeout() = %v, want fn's error", got)
	}
	if got := Timeout(time.Hour, func() error { return nil }); got != nil {
		t.Fatalf("Timeout() = %v, want nil", got)
	}
}

func TestTimeoutErrorResultCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A call with an error result returns ErrTimeout instead of
		// unwinding; the code after it runs.
		var got error
		err := Timeout(time.Second, func() error {
			other := Spawn(func(ctx context.Context) error { Sleep(time.Hour); return nil })
			defer other.Kill(nil)
			got = Block("x", func() error { return nil }) // before expiry: fine
			if got != nil {
				return got
			}
			got = other.Wait()
			return got
		})
		if err != ErrTimeout || got != ErrTimeout {
			t.Fatalf("Wait in an expiring scope = %v, Timeout() = %v; want ErrTimeout for both", got, err)
		}
	})
}

func TestScopesNest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, tc := range []struct {
			name         string
			outer, inner time.Duration
			wantOuter    error
			wantInner    error
			wantElapsed  time.Duration
		}{
			// The inner scope is nearer: it expires, the outer code goes on.
			{"inner nearer", time.Hour, time.Second, nil, ErrTimeout, time.Second},
			// The outer scope is nearer: it unwinds through the inner one.
			{"outer nearer", time.Second, time.Hour, ErrTimeout, nil, time.Second},
		} {
			start := time.Now()
			innerRan := false
			var innerErr error
			outerErr := Timeout(tc.outer, func() error {
				innerErr = Timeout(tc.inner, func() error {
					Sleep(10 * time.Hour)
					return nil
				})
				innerRan = true
				return nil
			})
			if outerErr != tc.wantOuter || (innerRan && innerErr != tc.wantInner) {
				t.Errorf("%s: outer = %v, inner = %v (returned: %v); want %v, %v",
					tc.name, outerErr, innerErr, innerRan, tc.wantOuter, tc.wantInner)
			}
			if tc.wantOuter == ErrTimeout && innerRan {
				t.Errorf("%s: code after the inner scope ran although the outer scope expired", tc.name)
			}
			if d := time.Since(start); d != tc.wantElapsed {
				t.Errorf("%s: took %v, want %v", tc.name, d, tc.wantElapsed)
			}
		}
	})
}

func TestScopeEndsCleanly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tk := Spawn(func(ctx context.Context) error {
			if err := Timeout(time.Second, func() error { Sleep(time.Hour); return nil }); err != ErrTimeout {
				return fmt.Errorf("Timeout() = %v", err)
			}
			if _, ok := Deadline(); ok {
				return errors.New("a deadline is still in force after the scope ended")
			}
			start := time.Now()
			Sleep(2 * time.Hour) // not bound by the ended scope
			if d := time.Since(start); d != 2*time.Hour {
				return fmt.Errorf("Sleep after the scope took %v", d)
			}
			// A scope that did not expire leaves nothing behind either.
			if err := Timeout(time.Hour, func() error { Sleep(time.Second); return nil }); err != nil {
				return err
			}
			Sleep(3 * time.Hour)
			return nil
		})
		if err := tk.Wait(); err != nil {
			t.Fatal(err)
		}
	})
	if n := registered(); n != 0 {
		t.Fatalf("%d goroutines still registered after their scopes ended", n)
	}
}

func TestZeroAndNegativeTimeout(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		ran := false
		err := Timeout(d, func() error {
			ran = true
			Sleep(time.Hour)
			return nil
		})
		if !ran || err != ErrTimeout {
			t.Fatalf("Timeout(%v): fn ran = %v, err = %v; want fn to run and its first blocking call to fail", d, ran, err)
		}
		err = Timeout(d, func() error { return Block("b", func() error { return nil }) })
		if err != ErrTimeout {
			t.Fatalf("Timeout(%v) around Block = %v, want ErrTimeout", d, err)
		}
	}
}

func TestBareRecoverSwallowsScope(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		err := Timeout(time.Second, func() error {
			func() {
				defer func() { recover() }() // what the docs warn about
				Sleep(time.Hour)
			}()
			return errors.New("went on")
		})
		if err == nil || err.Error() != "went on" {
			t.Fatalf("Timeout() = %v, want fn's own error after the swallowed unwind", err)
		}
	})
}

func TestOtherPanicsPassThroughTimeout(t *testing.T) {
	defer func() {
		if r := recover(); r != "mine" {
			t.Fatalf("recovered %v, want the user's panic", r)
		}
	}()
	Timeout(time.Hour, func() error { panic("mine") })
}

func TestTaskInheritsScopeDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var child *Task
		start := time.Now()
		err := Timeout(time.Second, func() error {
			child = Spawn(func(ctx context.Context) error {
				dl, ok := ctx.Deadline()
				if !ok || !dl.Equal(start.Add(time.Second)) {
					return fmt.Errorf("child context deadline = %v, %v; want the scope's", dl, ok)
				}
				Sleep(time.Hour)
				return nil
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := child.Wait(); err != ErrTimeout {
			t.Fatalf("child ended with %v, want ErrTimeout from the inherited deadline", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("child ended after %v, want 1s", d)
		}
	})
}

func TestWithDeadlineBridgesToContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var cause error
		err := Timeout(time.Second, func() error {
			ctx, cancel := WithDeadline(context.Background())
			defer cancel()
			if dl, ok := ctx.Deadline(); !ok || !dl.Equal(start.Add(time.Second)) {
				return fmt.Errorf("ctx deadline = %v, %v", dl, ok)
			}
			<-ctx.Done() // context-aware code that knows nothing of coop
			cause = context.Cause(ctx)
			return nil
		})
		if err != nil || cause != ErrTimeout {
			t.Fatalf("Timeout() = %v, cause = %v; want nil and ErrTimeout", err, cause)
		}

		tk := Spawn(func(ctx context.Context) error {
			bctx, cancel := WithDeadline(context.Background())
			defer cancel()
			<-bctx.Done()
			return context.Cause(bctx)
		})
		synctest.Wait()
		tk.Kill(errReason)
		if err := tk.Wait(); !errors.Is(err, errReason) {
			t.Fatalf("bridged context cause = %v, want the kill", err)
		}
	})
}
