package iox

import (
	"slices"
	"sync"
)

// registry holds a scheduler's live tasks, for Snapshot and Close. It is
// sharded by task id, and each shard keeps its tasks in a slice with a
// free list, so that adding and removing a task touch only that shard's
// lock and the task itself: spawning on one core and ending on another do
// not fight over one lock or over neighbouring tasks' memory.
type registry struct {
	shards [16]regShard
}

type regShard struct {
	mu    sync.Mutex
	slots []*Task
	free  []int32
	_     [64]byte // apart from the next shard's lock
}

func (r *registry) shard(t *Task) *regShard { return &r.shards[t.id%uint64(len(r.shards))] }

func (r *registry) add(t *Task) {
	sh := r.shard(t)
	sh.mu.Lock()
	if n := len(sh.free); n > 0 {
		t.slot = sh.free[n-1]
		sh.free = sh.free[:n-1]
		sh.slots[t.slot] = t
	} else {
		t.slot = int32(len(sh.slots))
		sh.slots = append(sh.slots, t)
	}
	sh.mu.Unlock()
}

func (r *registry) remove(t *Task) {
	sh := r.shard(t)
	sh.mu.Lock()
	sh.slots[t.slot] = nil
	sh.free = append(sh.free, t.slot)
	sh.mu.Unlock()
}

// all returns the live tasks, in no order.
func (r *registry) all() []*Task { return r.appendAll(nil, 0) }

// appendAll appends the live tasks to out, in no order; about is how many
// there are likely to be.
func (r *registry) appendAll(out []*Task, about int) []*Task {
	out = slices.Grow(out, about+about/8)
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		for _, t := range sh.slots {
			if t != nil {
				out = append(out, t)
			}
		}
		sh.mu.Unlock()
	}
	return out
}

// lookup returns the live task with the given id, or nil.
func (r *registry) lookup(id uint64) *Task {
	sh := &r.shards[id%uint64(len(r.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, t := range sh.slots {
		if t != nil && t.id == id {
			return t
		}
	}
	return nil
}
