package store

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store/embedded"
)

func TestLockExclusive(t *testing.T) {
	ctx := context.Background()
	srv, err := embedded.Start(ctx, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s, err := Open(ctx, srv.URI(), "locktest")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCustomers(ctx, []Customer{{ID: "cus_a", CreatedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				rel, err := s.lock(ctx, []string{"cus_a"})
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) > 1 {
					overlaps.Add(1)
				}
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				rel()
			}
		}()
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d overlaps", n)
	}
}
