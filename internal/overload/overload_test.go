package overload_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/overload"
)

func TestShed(t *testing.T) {
	ctx, m := overload.With(context.Background())
	if shed, _ := m.Shed(); shed {
		t.Fatal("a fresh mark is shed")
	}
	if err := overload.Shed(ctx, time.Second); !errors.Is(err, overload.ErrShed) {
		t.Fatalf("Shed = %v", err)
	}
	_ = overload.Shed(ctx, 3*time.Second)
	_ = overload.Shed(ctx, 2*time.Second)
	if shed, after := m.Shed(); !shed || after != 3*time.Second {
		t.Errorf("Shed() = %v, %v; want true, 3s", shed, after)
	}
	// Without a mark there is only the error.
	if err := overload.Shed(context.Background(), time.Second); !errors.Is(err, overload.ErrShed) {
		t.Errorf("Shed without a mark = %v", err)
	}
}
