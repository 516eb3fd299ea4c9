package httpx

import (
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/coop-go/coop/internal/apitest"
)

// httpx declares every exported name of net/http, of the same kind, and
// no other but its own additions.
func TestNamesMatchNetHTTP(t *testing.T) {
	apitest.Names(t, "net/http", ".", "NewClient", "PatchDefault", "PatchServer", "RoundTripInfo")
}

// httpx.Transport has every field and method of http.Transport (Clone
// returning its own type), so that code building an &http.Transport{...}
// compiles with its import swapped, and its fields come in net/http's
// order so that the two read alike.
func TestTransportMirrorsHTTPTransport(t *testing.T) {
	std, x := reflect.TypeFor[*http.Transport](), reflect.TypeFor[*Transport]()
	apitest.Methods(t, std, x)
	var stdFields, xFields []string
	for i := range std.Elem().NumField() {
		if f := std.Elem().Field(i); f.IsExported() {
			stdFields = append(stdFields, f.Name)
		}
	}
	for i := range x.Elem().NumField() {
		if f := x.Elem().Field(i); f.IsExported() && f.Name != "MaxRequestsPerHost" {
			xFields = append(xFields, f.Name)
		}
	}
	if !slices.Equal(stdFields, xFields) {
		t.Errorf("Transport's fields %v, want net/http's order %v", xFields, stdFields)
	}
}

// The generated part is what go generate makes with the Go release in
// use: a release that adds to net/http makes this fail.
func TestGeneratedUpToDate(t *testing.T) {
	apitest.Generated(t, "net/http", ".", "zz_http.go")
}
