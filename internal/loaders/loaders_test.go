package loaders

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
)

// counting is a Go connector that counts its calls and answers every key.
type counting struct {
	calls  atomic.Int64
	limits sync.Map // window limit asked → true
}

func (c *counting) Close() error { return nil }

func (c *counting) Orders(_ context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	c.calls.Add(1)
	c.limits.Store(w.Limit, true)
	out := make([][]connectors.Order, len(keys))
	for i, k := range keys {
		top := int64(1000)
		if !w.Until.IsZero() {
			top = w.Until.Unix()
		}
		for j := range w.Limit {
			out[i] = append(out[i], connectors.Order{ID: fmt.Sprint(j), CustomerKey: k, PlacedAt: time.Unix(top-int64(j), 0)})
		}
	}
	return out, nil
}

func TestBatchClosesOnIdleNotOnFirstKey(t *testing.T) {
	var calls [][]int
	var mu sync.Mutex
	b := newBatcher(&gate{}, func(_ context.Context, keys []int) []*dataloader.Result[int] {
		mu.Lock()
		calls = append(calls, keys)
		mu.Unlock()
		out := make([]*dataloader.Result[int], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[int]{Data: k}
		}
		return out
	}, 20*time.Millisecond, time.Second)
	ctx := context.Background()
	// Ten keys 2 ms apart (far inside the 20 ms idle gap) form one batch,
	// though they span more than any fixed window as short as the gap.
	var thunks []dataloader.Thunk[int]
	for i := range 10 {
		thunks = append(thunks, b.Load(ctx, i))
		time.Sleep(2 * time.Millisecond)
	}
	for _, th := range thunks {
		if _, err := th(); err != nil {
			t.Fatal(err)
		}
	}
	// After the batch closed, a new key starts a new batch.
	if _, err := b.Load(ctx, 99)(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || len(calls[0]) != 10 || len(calls[1]) != 1 {
		t.Fatalf("batches = %v, want ten keys then one", calls)
	}
}

func TestWindowsWithTheSameBoundsShareOneCall(t *testing.T) {
	conn := &counting{}
	src := sources.New("shop", "go", conn, sources.Options{}, nil, nil)
	l := (&Factory{}).New()
	ctx := context.Background()
	// An orders field (5), a timeline page (6) and the metrics (500) of the
	// same customer: one call asking for the largest limit.
	a := l.Orders(ctx, src, "k1", connectors.Window{Limit: 5})
	b := l.Orders(ctx, src, "k1", connectors.Window{Limit: 6})
	c := l.Orders(ctx, src, "k2", connectors.Window{Limit: 500})
	later := l.Orders(ctx, src, "k1", connectors.Window{Limit: 2, Until: time.Unix(999, 0)})
	for _, want := range []struct {
		th func() ([]connectors.Order, error)
		n  int
	}{{a, 5}, {b, 6}, {c, 500}, {later, 2}} {
		got, err := want.th()
		if err != nil || len(got) != want.n {
			t.Fatalf("got %d orders, %v; want %d", len(got), err, want.n)
		}
	}
	if got := conn.calls.Load(); got != 2 {
		t.Fatalf("upstream calls = %d, want 2 (one per distinct bounds)", got)
	}
	if _, ok := conn.limits.Load(500); !ok {
		t.Fatal("the shared call did not ask for the largest limit")
	}
}

func TestHoldKeepsBatchesOpenAcrossPauses(t *testing.T) {
	conn := &counting{}
	src := sources.New("shop", "go", conn, sources.Options{}, nil, nil)
	l := (&Factory{Wait: time.Millisecond}).New()
	ctx := context.Background()
	release := l.Hold()
	var thunks []dataloader.Thunk[[]connectors.Order]
	for i := range 5 {
		thunks = append(thunks, l.Orders(ctx, src, fmt.Sprintf("k%d", i), connectors.Window{Limit: 1}))
		// A pause far longer than the idle gap, as when the goroutine issuing
		// a list's loads is descheduled on a busy machine.
		time.Sleep(5 * time.Millisecond)
	}
	if got := conn.calls.Load(); got != 0 {
		t.Fatalf("%d calls while held, want none", got)
	}
	release()
	release() // idempotent
	for _, th := range thunks {
		if _, err := th(); err != nil {
			t.Fatal(err)
		}
	}
	if got := conn.calls.Load(); got != 1 {
		t.Fatalf("upstream calls = %d, want 1", got)
	}
}

// Loading a key already loaded opens no batch and starts no timer; a
// released hold closes its batches with no wait, and each batch is counted
// once, by what closed it.
func TestBatchWaitsAreCountedByWhatClosedThem(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := &gate{metrics: NewMetrics(reg)}
	b := newBatcher(g, func(_ context.Context, keys []int) []*dataloader.Result[int] {
		out := make([]*dataloader.Result[int], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[int]{Data: k}
		}
		return out
	}, time.Millisecond, time.Second)
	ctx := context.Background()
	count := func(closedBy string) uint64 {
		t.Helper()
		closed, err := ClosedBatches(reg)
		if err != nil {
			t.Fatal(err)
		}
		return closed[closedBy].Batches
	}

	if _, err := b.Load(ctx, 1)(); err != nil { // closed by the idle timer
		t.Fatal(err)
	}
	release := g.hold()
	th := b.Load(ctx, 2)
	release() // closed by the release
	if _, err := th(); err != nil {
		t.Fatal(err)
	}
	for range 3 { // known keys: no batch
		if _, err := b.Load(ctx, 1)(); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Load(ctx, 2)(); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5 * time.Millisecond) // a stray timer would have fired by now
	if idle, hold := count(ClosedByIdle), count(ClosedByHold); idle != 1 || hold != 1 {
		t.Fatalf("batches closed by idle %d, by hold %d; want 1 and 1", idle, hold)
	}
}
