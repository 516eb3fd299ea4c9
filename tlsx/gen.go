package tlsx

// zz_tls.go declares the names of crypto/tls that tlsx's own files do
// not: aliases of its types (Conn, Config and the rest stay crypto/tls's),
// copies of its constants, and forwards of its functions that neither dial
// nor listen. TestGeneratedUpToDate fails when it is stale, as after a Go
// release.
//
//go:generate go run ../internal/apigen -pkg crypto/tls -out zz_tls.go
