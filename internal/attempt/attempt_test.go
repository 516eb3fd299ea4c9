package attempt

import (
	"context"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOf(t *testing.T) {
	if got := Of(context.Background()); got != 0 {
		t.Fatalf("Of(Background) = %d, want 0", got)
	}
	ctx := context.WithValue(context.Background(), Key{}, 3)
	if got := Of(ctx); got != 3 {
		t.Fatalf("Of(ctx with 3) = %d, want 3", got)
	}
}
