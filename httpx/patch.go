package httpx

import (
	"net/http"
	"sync"
)

var patchMu sync.Mutex

// PatchDefault makes net/http's defaults cooperative, for code that
// still imports net/http and that nobody edits: afterwards http.Get,
// http.Head, http.Post, http.PostForm and every use of http.DefaultClient
// make each round trip a blocking call of the coop scheduler (killable,
// bound by timeout scopes, turn-releasing, reported), and read response
// bodies with blocking calls. It returns undo, which restores exactly
// what was there before.
//
// It changes two things:
//
//   - http.DefaultTransport becomes a clone of itself whose dials go
//     through netx (its other settings kept). It stays an
//     *http.Transport, since much code type-asserts it as one.
//   - http.DefaultClient.Transport, nil by default, becomes an httpx
//     round tripper over that clone (over the Transport it had, if it had
//     one): it makes the round trips blocking calls.
//
// A Client of its own with a nil Transport uses the patched
// DefaultTransport: its dials, reads and writes are blocking calls, but
// its round trips are not, so a kill ends one only through the request's
// context. Give such a client Transport: httpx.DefaultTransport.
//
// Call PatchDefault once at startup, before requests are under way, and
// undo only when they are over: both change package variables of
// net/http, which is a data race with requests in flight. Calling
// PatchDefault again while patched does nothing and returns an undo that
// does nothing. If http.DefaultTransport is not an *http.Transport,
// PatchDefault leaves it alone and wraps it for DefaultClient only.
func PatchDefault() (undo func()) {
	patchMu.Lock()
	defer patchMu.Unlock()
	prevT, prevCT := http.DefaultTransport, http.DefaultClient.Transport
	if rt, ok := prevCT.(*roundTripper); ok && rt.patch {
		return func() {}
	}
	base := prevT
	var clone *http.Transport
	if ht, ok := prevT.(*http.Transport); ok {
		clone = ht.Clone()
		netxDialing(clone)
		base = clone
	}
	if prevCT != nil {
		base = prevCT
	}
	if clone != nil {
		http.DefaultTransport = clone
	}
	http.DefaultClient.Transport = &roundTripper{base: base, patch: true}
	var once sync.Once
	return func() {
		once.Do(func() {
			patchMu.Lock()
			defer patchMu.Unlock()
			http.DefaultTransport, http.DefaultClient.Transport = prevT, prevCT
			if clone != nil {
				clone.CloseIdleConnections()
			}
		})
	}
}
