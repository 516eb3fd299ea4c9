package netx

// zz_net.go declares the names of package net that netx's own files do
// not: aliases of its types that carry no blocking method, its constants
// and variables, and forwards of its functions that do not block.
// TestGeneratedUpToDate fails when it is stale, as after a Go release.
//
//go:generate go run ../internal/apigen -pkg net -out zz_net.go
