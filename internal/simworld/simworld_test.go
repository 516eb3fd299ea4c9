package simworld

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNothingUntilSet(t *testing.T) {
	if Quiesce() != nil || Env() != nil {
		t.Fatal("a world's plumbing answers before any world was made")
	}
	called := false
	SetQuiesce(func() { called = true })
	Quiesce()()
	SetEnv(func() any { return "host" })
	if !called || Env() != "host" {
		t.Fatal("the plumbing does not hand over what was set")
	}
}
