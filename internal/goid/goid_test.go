package goid

import (
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFastMatchesRuntimeHeader(t *testing.T) {
	if !Fast() {
		t.Fatalf("fast goroutine id disagrees with the runtime's stack header on this Go release")
	}
	var wg sync.WaitGroup
	ids := make([]int64, 50)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, want := Get(), Slow()
			if got != want {
				t.Errorf("Get() = %d, want %d (from the stack header)", got, want)
			}
			ids[i] = got
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, id := range ids {
		if id <= 0 || seen[id] {
			t.Fatalf("goroutine ids not positive and distinct: %v", ids)
		}
		seen[id] = true
	}
}

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"goroutine 1 [running]:\n", 1},
		{"goroutine 123456 [chan receive]:", 123456},
		{"gorout", 0},
		{"thread 5 [running]", 0},
	} {
		if got := parseHeader([]byte(tc.in)); got != tc.want {
			t.Errorf("parseHeader(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	for b.Loop() {
		Get()
	}
}

func BenchmarkSlow(b *testing.B) {
	for b.Loop() {
		Slow()
	}
}
