package gtable

import (
	"math/rand/v2"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/coop-go/coop/internal/goid"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAgainstMap(t *testing.T) {
	var tab Table[int64]
	ref := map[int64]*int64{}
	r := rand.New(rand.NewPCG(1, 2))
	next := int64(1)
	for i := 0; i < 200000; i++ {
		switch r.IntN(3) {
		case 0, 1:
			v := new(int64)
			*v = next
			tab.Set(next, v)
			ref[next] = v
			next++
		case 2:
			if len(ref) == 0 {
				continue
			}
			k := 1 + r.Int64N(next-1)
			tab.Delete(k)
			delete(ref, k)
		}
		if i%1000 == 0 {
			for k := int64(1); k < next; k += 1 + int64(r.IntN(50)) {
				if got, want := tab.Get(k), ref[k]; got != want {
					t.Fatalf("step %d: Get(%d) = %p, want %p", i, k, got, want)
				}
			}
		}
	}
	if got, want := tab.Len(), len(ref); got != want {
		t.Fatalf("Len() = %d, want %d", got, want)
	}
	if tab.Get(next+100) != nil {
		t.Fatalf("Get of an id never set is not nil")
	}
}

// TestOwnEntryUnderChurn checks the package's access pattern: many goroutines
// set, read and delete their own entry while others do the same.
func TestOwnEntryUnderChurn(t *testing.T) {
	var tab Table[int64]
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				done := make(chan struct{})
				go func() {
					defer close(done)
					id := goid.Get()
					v := new(int64)
					*v = id
					if tab.Get(id) != nil {
						t.Errorf("fresh goroutine %d already has an entry", id)
					}
					tab.Set(id, v)
					for j := 0; j < 3; j++ {
						if got := tab.Get(id); got != v {
							t.Errorf("Get(own id) = %p, want %p", got, v)
						}
					}
					tab.Delete(id)
					if tab.Get(id) != nil {
						t.Errorf("entry still there after Delete")
					}
				}()
				<-done
			}
		}()
	}
	wg.Wait()
	if n := tab.Len(); n != 0 {
		t.Fatalf("Len() = %d after every goroutine deleted its entry", n)
	}
}

func BenchmarkGet(b *testing.B) {
	var tab Table[int64]
	for i := int64(1); i < 1000; i++ {
		tab.Set(i*7, new(int64))
	}
	id := goid.Get()
	tab.Set(id, new(int64))
	b.ResetTimer()
	for b.Loop() {
		if tab.Get(goid.Get()) == nil {
			b.Fatal("missing")
		}
	}
}

func BenchmarkSyncMapGet(b *testing.B) {
	var m sync.Map
	for i := int64(1); i < 1000; i++ {
		m.Store(i*7, new(int64))
	}
	m.Store(goid.Get(), new(int64))
	b.ResetTimer()
	for b.Loop() {
		if _, ok := m.Load(goid.Get()); !ok {
			b.Fatal("missing")
		}
	}
}

func BenchmarkSetDelete(b *testing.B) {
	var tab Table[int64]
	v := new(int64)
	b.RunParallel(func(pb *testing.PB) {
		id := goid.Get() << 20
		for pb.Next() {
			id++
			tab.Set(id, v)
			tab.Delete(id)
		}
	})
}
