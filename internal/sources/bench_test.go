package sources_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
)

// echo is a connector that answers every key at once, so that a benchmark
// measures the guard alone.
type echo struct{}

func (echo) Close() error { return nil }

func (echo) Profiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		out[i] = &connectors.Profile{Key: k}
	}
	return out, nil
}

func (echo) Orders(_ context.Context, keys []string, _ connectors.Window) ([][]connectors.Order, error) {
	out := make([][]connectors.Order, len(keys))
	for i, k := range keys {
		out[i] = []connectors.Order{{ID: k + "-1", CustomerKey: k}}
	}
	return out, nil
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%04d", i)
	}
	return keys
}

// BenchmarkGuardProfiles is the guard's cost around one batch of profiles:
// dedupe, chunking to the batch limit (100), timeout, breaker, in-flight
// cap, panic recovery, alignment check and metrics.
func BenchmarkGuardProfiles(b *testing.B) {
	src := sources.New("echo", "go", echo{}, sources.Options{MaxBatch: 100}, nil, slog.New(slog.DiscardHandler))
	defer func() { _ = src.Close() }()
	ctx := context.Background()
	for _, n := range []int{1, 50, 250} {
		keys := benchKeys(n)
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				out, err := src.Profiles(ctx, keys)
				if err != nil || len(out) != n {
					b.Fatalf("%d profiles, %v", len(out), err)
				}
			}
		})
	}
}

// BenchmarkGuardOrders is the same for a windowed read.
func BenchmarkGuardOrders(b *testing.B) {
	src := sources.New("echo", "go", echo{}, sources.Options{MaxBatch: 100}, nil, slog.New(slog.DiscardHandler))
	defer func() { _ = src.Close() }()
	ctx := context.Background()
	keys := benchKeys(50)
	b.ReportAllocs()
	for b.Loop() {
		out, err := src.Orders(ctx, keys, connectors.Window{Limit: 6})
		if err != nil || len(out) != len(keys) {
			b.Fatalf("%d answers, %v", len(out), err)
		}
	}
}
