package httpx

// zz_http.go declares the names of package net/http that httpx's own files
// do not: aliases of its types, copies of its constants and variables, and
// forwards of its functions, server side included. TestGeneratedUpToDate
// fails when it is stale, as after a Go release.
//
//go:generate go run ../internal/apigen -pkg net/http -out zz_http.go
