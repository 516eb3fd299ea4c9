package tlsx

import (
	"crypto/tls"
	"reflect"
	"strings"
	"testing"

	"github.com/coop-go/coop/internal/apitest"
	"github.com/coop-go/coop/netx"
)

// tlsx declares every exported name of crypto/tls, of the same kind, and
// no other.
func TestNamesMatchTLS(t *testing.T) {
	apitest.Names(t, "crypto/tls", ".")
}

// Conn, Config and the rest are crypto/tls's own types, so that swapped
// and unswapped code exchange them.
func TestTypesAreTLSs(t *testing.T) {
	for _, p := range []struct{ std, ours reflect.Type }{
		{reflect.TypeFor[*tls.Conn](), reflect.TypeFor[*Conn]()},
		{reflect.TypeFor[*tls.Config](), reflect.TypeFor[*Config]()},
		{reflect.TypeFor[tls.Certificate](), reflect.TypeFor[Certificate]()},
		{reflect.TypeFor[tls.ConnectionState](), reflect.TypeFor[ConnectionState]()},
	} {
		if p.std != p.ours {
			t.Errorf("%v is not %v", p.ours, p.std)
		}
	}
}

// Dialer has tls.Dialer's methods and fields, NetDialer a *netx.Dialer
// where tls.Dialer has a *net.Dialer.
func TestDialerMirrorsTLSDialer(t *testing.T) {
	std, ours := reflect.TypeFor[*tls.Dialer](), reflect.TypeFor[*Dialer]()
	for i := range std.NumMethod() {
		m := std.Method(i)
		om, ok := ours.MethodByName(m.Name)
		if !ok {
			t.Errorf("Dialer lacks method %s", m.Name)
		} else if got := strings.ReplaceAll(om.Type.String(), "tlsx.", "tls."); got != m.Type.String() {
			t.Errorf("Dialer.%s is %v, want %v", m.Name, om.Type, m.Type)
		}
	}
	want := map[string]reflect.Type{
		"NetDialer": reflect.TypeFor[*netx.Dialer](),
		"Config":    reflect.TypeFor[*tls.Config](),
	}
	for i := range std.Elem().NumField() {
		f := std.Elem().Field(i)
		of, ok := ours.Elem().FieldByName(f.Name)
		if !ok || of.Type != want[f.Name] {
			t.Errorf("Dialer.%s = %v, want %v (crypto/tls: %v)", f.Name, of.Type, want[f.Name], f.Type)
		}
	}
	if ours.Elem().NumField() != std.Elem().NumField() {
		t.Errorf("Dialer has %d fields, tls.Dialer %d", ours.Elem().NumField(), std.Elem().NumField())
	}
}

// DialWithDialer takes a *netx.Dialer where crypto/tls's takes a
// *net.Dialer, and is otherwise the same.
func TestDialWithDialerTakesNetxDialer(t *testing.T) {
	got, want := reflect.TypeOf(DialWithDialer), reflect.TypeOf(tls.DialWithDialer)
	if got.In(0) != reflect.TypeFor[*netx.Dialer]() {
		t.Errorf("DialWithDialer's dialer is %v, want *netx.Dialer", got.In(0))
	}
	for i := 1; i < want.NumIn(); i++ {
		if got.In(i) != want.In(i) {
			t.Errorf("DialWithDialer's parameter %d is %v, want %v", i, got.In(i), want.In(i))
		}
	}
	for _, f := range []struct{ got, want any }{{Dial, tls.Dial}, {Listen, tls.Listen}, {NewListener, tls.NewListener}} {
		if g, w := reflect.TypeOf(f.got), reflect.TypeOf(f.want); g != w {
			t.Errorf("%v, want %v", g, w)
		}
	}
}

func TestGeneratedUpToDate(t *testing.T) {
	apitest.Generated(t, "crypto/tls", ".", "zz_tls.go")
}
