package eventlog

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/coop-go/coop/iox"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLogKeepsEventsByKind(t *testing.T) {
	log := &Log{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	boom := errors.New("boom")
	err := s.Go(func(ctx context.Context) error {
		iox.Block("a", func() error { return nil })
		iox.Block("b", func() error { return boom })
		return nil
	}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	evs := log.Of(iox.OpBlock)
	if len(evs) != 2 || evs[0].Target != "a" || evs[1].Err != boom {
		t.Fatalf("Of(OpBlock) = %+v, want a then b's error, in order", evs)
	}
	if n := len(log.Of(iox.OpRead)); n != 0 {
		t.Fatalf("Of(OpRead) has %d events", n)
	}
}
