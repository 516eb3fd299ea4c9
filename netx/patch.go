package netx

import (
	"net"
	"sync"
)

var patchMu sync.Mutex

// PatchResolver makes net.DefaultResolver, which code that still imports
// package net resolves with, use Go's built-in resolver (PreferGo) with
// its DNS connections dialed through netx: their reads and writes are
// blocking calls of the coop scheduler, and a lookup whose context is
// cancelled (the task's, when the task is killed) ends its exchanges at
// once. It returns undo, which restores the resolver's previous settings.
//
// Call it once at startup, before lookups are under way: it changes
// net.DefaultResolver in place, which is a data race with lookups running
// meanwhile. It cannot cover lookups that never touch the network (names
// in /etc/hosts are answered from the file, which is fine), lookups by
// other net.Resolver values, or a build that forces the cgo resolver
// (netgo off and GODEBUG=netdns=cgo), whose calls block in C.
func PatchResolver() (undo func()) {
	patchMu.Lock()
	defer patchMu.Unlock()
	r := net.DefaultResolver
	preferGo, dialFn := r.PreferGo, r.Dial
	r.PreferGo = true
	r.Dial = dnsDial(dialFn)
	var once sync.Once
	return func() {
		once.Do(func() {
			patchMu.Lock()
			defer patchMu.Unlock()
			r.PreferGo, r.Dial = preferGo, dialFn
		})
	}
}
