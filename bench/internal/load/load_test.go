package load

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestQuantileNearestRank(t *testing.T) {
	r := Result{}
	for i := 1; i <= 100; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i))
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.95, 95}, {0.99, 99}, {1, 100}, {0.001, 1}} {
		if got := r.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got := (Result{}).Quantile(0.5); got != 0 {
		t.Errorf("empty Quantile = %v, want 0", got)
	}
}

func TestOpenIssuesTheScheduleAndCountsErrors(t *testing.T) {
	boom := errors.New("boom")
	var calls atomic.Int64
	op := func(context.Context) error {
		if calls.Add(1)%2 == 0 {
			return boom
		}
		return nil
	}
	// 20 requests scheduled 1 ms apart; the count is what is checked, not
	// the time taken.
	r := Open(context.Background(), op, 1000, 20*time.Millisecond)
	if r.Done() != 20 {
		t.Fatalf("Done() = %d, want 20", r.Done())
	}
	if r.Errors == 0 || !errors.Is(r.FirstError, boom) {
		t.Errorf("Errors = %d, FirstError = %v; want failures counted", r.Errors, r.FirstError)
	}
}
