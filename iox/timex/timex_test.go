package timex_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/coop-go/coop/internal/apitest"
	"github.com/coop-go/coop/iox/timex"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// timex declares every exported name of package time, of the same kind,
// and no other.
func TestNamesMatchTime(t *testing.T) {
	apitest.Names(t, "time", ".")
}

// timex's Timer and Ticker have the exported fields and methods of time's.
func TestTimerTickerMirrorTime(t *testing.T) {
	apitest.Methods(t, reflect.TypeFor[*time.Timer](), reflect.TypeFor[*timex.Timer]())
	apitest.Methods(t, reflect.TypeFor[*time.Ticker](), reflect.TypeFor[*timex.Ticker]())
}

// The generated part is what go generate makes with the Go release in
// use: a release that adds to package time makes this fail.
func TestGeneratedUpToDate(t *testing.T) {
	apitest.Generated(t, "time", ".", "zz_time.go")
}
