package loaders

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
)

// answering is a Go connector that answers every profile key at once and
// notes when each batch reached it.
type answering struct {
	mu   sync.Mutex
	last time.Time
}

func (a *answering) Close() error { return nil }

func (a *answering) Profiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	a.mu.Lock()
	a.last = time.Now()
	a.mu.Unlock()
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		out[i] = &connectors.Profile{Key: k}
	}
	return out, nil
}

func (a *answering) reached() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}

func benchFactory(b *testing.B) (*Factory, *sources.Source, *answering) {
	b.Helper()
	conn := &answering{}
	src := sources.New("crm", "go", conn, sources.Options{}, nil, slog.New(slog.DiscardHandler))
	set, err := sources.NewSet(src)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = set.Close() })
	return &Factory{Sources: set}, src, conn
}

// BenchmarkLevel is one resolver outside any level loading n profile keys
// from a fresh operation's loader, then waiting on them: the first wait
// sends the batch, with no timer. The wait-µs/level metric is how long the
// batch took from its last key to the connector.
func BenchmarkLevel(b *testing.B) {
	f, src, conn := benchFactory(b)
	ctx := context.Background()
	for _, n := range []int{1, 10, 50} {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprintf("c%03d", i)
		}
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var waited time.Duration
			thunks := make([]dataloader.Thunk[ProfileRecord], n)
			for b.Loop() {
				l := f.New()
				var last time.Time
				for i, k := range keys {
					last = time.Now()
					thunks[i] = l.Profile(ctx, src, k)
				}
				for _, th := range thunks {
					if _, err := th(); err != nil {
						b.Fatal(err)
					}
				}
				waited += conn.reached().Sub(last)
				l.Done()
			}
			b.ReportMetric(float64(waited.Microseconds())/float64(b.N), "wait-µs/level")
		})
	}
}

// BenchmarkNewLoaders is the cost of an operation's loaders before any
// load: made per operation, so it is paid by every request.
func BenchmarkNewLoaders(b *testing.B) {
	f, _, _ := benchFactory(b)
	b.ReportAllocs()
	for b.Loop() {
		f.New().Done()
	}
}
