// Package gtable is a map from goroutine id to a per-goroutine value, built
// for the one access pattern the scheduler has: a goroutine reads its own
// entry on every blocking call, and writes it rarely (when a task starts or
// ends, or a timeout scope opens on a goroutine that is no task).
//
// Reads take no lock and allocate nothing: one atomic load of the table and
// a short linear probe of atomic slots. Writes take a mutex. The table is
// correct for that pattern because a goroutine only ever reads the entry it
// wrote itself (so its own insert happens before its lookups), and because
// goroutine ids are never reused (so a deleted slot can stay a tombstone
// until the next rehash).
package gtable

import (
	"sync"
	"sync/atomic"
)

const tombstone = -1

// Table maps goroutine ids (positive) to *T. The zero value is an empty
// table ready for use. A Table is safe for concurrent use under the access
// pattern in the package doc.
type Table[T any] struct {
	mu   sync.Mutex
	tab  atomic.Pointer[table[T]]
	live int // entries, under mu
	used int // live entries and tombstones, under mu
}

type slot[T any] struct {
	key atomic.Int64
	val atomic.Pointer[T]
}

type table[T any] struct {
	shift uint
	slots []slot[T]
}

func hash(k int64, shift uint) uint64 {
	return (uint64(k) * 0x9E3779B97F4A7C15) >> shift
}

// Get returns the value stored for id, or nil.
func (m *Table[T]) Get(id int64) *T {
	t := m.tab.Load()
	if t == nil {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := hash(id, t.shift); ; i = (i + 1) & mask {
		s := &t.slots[i]
		switch s.key.Load() {
		case id:
			return s.val.Load()
		case 0:
			return nil
		}
	}
}

// Set stores v for id, replacing what was there. v must not be nil.
func (m *Table[T]) Set(id int64, v *T) {
	if id <= 0 || v == nil {
		panic("gtable: Set with a non-positive id or a nil value")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tab.Load()
	if t == nil || (m.used+1)*4 > len(t.slots)*3 {
		t = m.rehash(t, m.live+1)
	}
	mask := uint64(len(t.slots) - 1)
	for i := hash(id, t.shift); ; i = (i + 1) & mask {
		s := &t.slots[i]
		switch s.key.Load() {
		case id:
			s.val.Store(v)
			return
		case 0:
			s.val.Store(v)
			s.key.Store(id)
			m.live++
			m.used++
			return
		}
	}
}

// Delete removes id's entry, if any.
func (m *Table[T]) Delete(id int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tab.Load()
	if t == nil {
		return
	}
	mask := uint64(len(t.slots) - 1)
	for i := hash(id, t.shift); ; i = (i + 1) & mask {
		s := &t.slots[i]
		switch s.key.Load() {
		case id:
			s.key.Store(tombstone)
			s.val.Store(nil)
			m.live--
			return
		case 0:
			return
		}
	}
}

// Len returns the number of entries.
func (m *Table[T]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.live
}

// rehash builds a table with room for n live entries, copies the live
// entries of old into it, and publishes it. Readers that still hold old keep
// seeing a consistent table: only writers under mu change slots, and they
// only change the published table.
func (m *Table[T]) rehash(old *table[T], n int) *table[T] {
	size := 64
	for size*3 < n*4*2 { // at most 3/8 full after the rehash
		size *= 2
	}
	shift := uint(64)
	for s := size; s > 1; s >>= 1 {
		shift--
	}
	t := &table[T]{shift: shift, slots: make([]slot[T], size)}
	mask := uint64(size - 1)
	if old != nil {
		for j := range old.slots {
			k := old.slots[j].key.Load()
			if k <= 0 {
				continue
			}
			for i := hash(k, shift); ; i = (i + 1) & mask {
				if t.slots[i].key.Load() == 0 {
					t.slots[i].val.Store(old.slots[j].val.Load())
					t.slots[i].key.Store(k)
					break
				}
			}
		}
	}
	m.used = m.live
	m.tab.Store(t)
	return t
}
