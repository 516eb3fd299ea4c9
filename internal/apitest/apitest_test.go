package apitest

import (
	"reflect"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type stdT struct{ A int }

func (*stdT) M(x int) (string, error) { return "", nil }
func (*stdT) N()                      {}

type oursOK struct{ A int }

func (*oursOK) M(x int) (string, error) { return "", nil }
func (*oursOK) N()                      {}
func (*oursOK) Extra()                  {}

type oursBad struct{ A string }

func (*oursBad) M(x string) (string, error) { return "", nil }

func TestMethodsFindsDifferences(t *testing.T) {
	var ok testing.T
	Methods(&ok, reflect.TypeFor[*stdT](), reflect.TypeFor[*oursOK]())
	if ok.Failed() {
		t.Fatal("Methods reported a mirror that has every method and field")
	}
	var bad testing.T
	Methods(&bad, reflect.TypeFor[*stdT](), reflect.TypeFor[*oursBad]())
	if !bad.Failed() {
		t.Fatal("Methods missed a wrong signature, a missing method and a field of another type")
	}
}

func TestSignature(t *testing.T) {
	m, _ := reflect.TypeFor[*stdT]().MethodByName("M")
	if got := signature(m.Type); !strings.Contains(got, "(int) (string, error)") {
		t.Fatalf("signature = %s", got)
	}
}
