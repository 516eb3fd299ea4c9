package faultnet

import (
	"net"
	"testing"

	"github.com/coop-go/coop/iox"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type driver struct{ st Stream }

func (d *driver) Dial(network, address string) error { return nil }
func (d *driver) Bind(c *Conn) Stream {
	c.Slot.Set(Gen(), d.st)
	return d.st
}

type stream struct{ name string }

func (*stream) Read(*iox.Op, []byte) (int, error)  { return 0, nil }
func (*stream) Write(*iox.Op, []byte) (int, error) { return 0, nil }
func (*stream) Close() error                       { return nil }
func (*stream) CloseWrite(func() error) error      { return nil }

// Nothing installed: Current is nil. Installed, it is the driver; Install
// (nil) takes it away.
func TestInstall(t *testing.T) {
	if Current() != nil {
		t.Fatal("a driver is installed before any test installed one")
	}
	d := &driver{}
	Install(d)
	if Current() != Driver(d) {
		t.Error("Current is not the driver just installed")
	}
	Install(nil)
	if Current() != nil {
		t.Error("Install(nil) left a driver installed")
	}
}

// A Slot remembers the driver's answer for its generation only: Bump makes
// every answer stale (Bound false), Last still returns it, and a new
// answer is bound for the new generation.
func TestSlotGenerations(t *testing.T) {
	var s Slot
	if st, ok := s.Bound(); ok || st != nil || s.Last() != nil {
		t.Fatalf("the zero Slot remembers %v, %v, %v", st, ok, s.Last())
	}
	a, b := &stream{"a"}, &stream{"b"}
	d := &driver{st: a}
	c, _ := net.Pipe()
	defer c.Close()
	d.Bind(&Conn{Slot: &s, Raw: c})
	if st, ok := s.Bound(); !ok || st != Stream(a) {
		t.Fatalf("after Bind, Bound = %v, %v; want a, true", st, ok)
	}
	Bump()
	if _, ok := s.Bound(); ok {
		t.Error("an answer of the last generation is still bound after Bump")
	}
	if s.Last() != Stream(a) {
		t.Error("Last forgot the last answer after Bump")
	}
	d.st = b
	d.Bind(&Conn{Slot: &s, Raw: c})
	if st, ok := s.Bound(); !ok || st != Stream(b) {
		t.Errorf("after a new Bind, Bound = %v, %v; want b, true", st, ok)
	}
	// A nil stream is an answer too: the conn's own.
	s.Set(Gen(), nil)
	if st, ok := s.Bound(); !ok || st != nil {
		t.Errorf("a nil answer reads back as %v, %v; want nil, true", st, ok)
	}
}
