package timex

// zz_time.go declares the names of package time that timex.go does not:
// aliases of its types, copies of its constants and variables, and
// functions that forward to it. TestGeneratedUpToDate fails when it is
// stale, as after a Go release that adds to package time.
//
//go:generate go run ../../internal/apigen -pkg time -out zz_time.go
