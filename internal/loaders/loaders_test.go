package loaders

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/level"
	"github.com/harmonyhq/harmony/internal/sources"
)

// counting is a Go connector that counts its calls and answers every key.
type counting struct {
	calls  atomic.Int64
	keys   atomic.Int64
	limits sync.Map // window limit asked → true
}

func (c *counting) Close() error { return nil }

func (c *counting) Orders(_ context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	c.calls.Add(1)
	c.keys.Add(int64(len(keys)))
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

// countingLoader is a batcher of ints whose batches are recorded.
func countingLoader(t *testing.T, l *Loaders) (*batcher[int, int], func() [][]int) {
	t.Helper()
	var mu sync.Mutex
	var batches [][]int
	b := newBatcher(l, func(_ context.Context, keys []int) []*dataloader.Result[int] {
		mu.Lock()
		batches = append(batches, append([]int(nil), keys...))
		mu.Unlock()
		out := make([]*dataloader.Result[int], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[int]{Data: k}
		}
		return out
	})
	return b, func() [][]int {
		mu.Lock()
		defer mu.Unlock()
		return append([][]int(nil), batches...)
	}
}

func closedBy(t *testing.T, reg prometheus.Gatherer, by string) uint64 {
	t.Helper()
	closed, err := ClosedBatches(reg)
	if err != nil {
		t.Fatal(err)
	}
	return closed[by].Batches
}

// Outside any level, the first wait sends what was issued: no timer, and
// a key loaded before opens no batch.
func TestAWaitSendsTheBatch(t *testing.T) {
	// In a bubble the pauses take no real time, and no timer can fire
	// unseen: time only moves when every goroutine waits.
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		l := (&Factory{Metrics: NewMetrics(reg)}).New()
		b, batches := countingLoader(t, l)
		ctx := context.Background()
		var thunks []dataloader.Thunk[int]
		for i := range 5 {
			thunks = append(thunks, b.Load(ctx, i))
			// A pause longer than the timers the loaders once had (16 ms,
			// then 1-2 ms), shorter than the safety wait: nothing is sent
			// until someone waits.
			time.Sleep(20 * time.Millisecond)
		}
		if got := batches(); len(got) != 0 {
			t.Fatalf("batches before any wait: %v", got)
		}
		for _, th := range thunks {
			if _, err := th(); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 { // known keys: no batch
			if v, err := b.Load(ctx, 3)(); err != nil || v != 3 {
				t.Fatalf("known key: %d, %v", v, err)
			}
		}
		if _, err := b.Load(ctx, 9)(); err != nil {
			t.Fatal(err)
		}
		got := batches()
		if len(got) != 2 || len(got[0]) != 5 || len(got[1]) != 1 {
			t.Fatalf("batches = %v, want the five keys, then the new one", got)
		}
		if n := closedBy(t, reg, ClosedByWait); n != 2 {
			t.Fatalf("batches sent by a wait = %d, want 2", n)
		}
	})
}

// member is an object of a level, as a model.Customer is.
type member struct{ lv *level.Level }

func (m member) OfLevel() *level.Level { return m.lv }

// fieldCtx returns the context of field f of an object of lv, as the
// executor makes it: the object's field context holds it as its result.
func fieldCtx(ctx context.Context, lv *level.Level, f *ast.Field) context.Context {
	obj := &graphql.FieldContext{Object: "Query", Result: member{lv}}
	ctx = graphql.WithFieldContext(ctx, obj)
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Customer", Field: graphql.CollectedField{Field: f}})
}

// A level's batch is sent when its last selected field has issued its
// reads: fields that wait first keep it open, however long the others
// take, and a field that ends without reading (refused, or with nothing
// to read) counts as arrived through the field middleware.
func TestALevelSendsWhenEveryFieldHasIssued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		ops := (&Factory{Metrics: NewMetrics(reg)}).New()
		b, batches := countingLoader(t, ops)
		orders, profile, refused := &ast.Field{Alias: "orders"}, &ast.Field{Alias: "profile"}, &ast.Field{Alias: "refused"}
		lv := level.New([]string{"c1", "c2"}, nil, []*ast.Field{orders, profile, refused})
		base := With(context.Background(), ops)

		var wg sync.WaitGroup
		results := make(chan int, 4)
		for i, f := range []*ast.Field{orders, profile} {
			ctx := fieldCtx(base, lv, f)
			ths := []dataloader.Thunk[int]{b.Load(ctx, 10*i), b.Load(ctx, 10*i+1)}
			wg.Go(func() {
				for _, th := range ths {
					v, err := th()
					if err != nil {
						t.Error(err)
					}
					results <- v
				}
			})
		}
		synctest.Wait() // both fields are waiting
		if got := batches(); len(got) != 0 {
			t.Fatalf("sent %v before the last field arrived", got)
		}
		// The third field is refused (a directive): it ends without loading.
		FieldEnded(fieldCtx(base, lv, refused))
		wg.Wait()
		close(results)
		if got := batches(); len(got) != 1 || len(got[0]) != 4 {
			t.Fatalf("batches = %v, want one of the four keys", got)
		}
		if n := closedBy(t, reg, ClosedByLevel); n != 1 {
			t.Fatalf("batches sent by the level = %d, want 1", n)
		}
		// Once complete, a field's late read is sent at its wait.
		if _, err := b.Load(fieldCtx(base, lv, orders), 99)(); err != nil {
			t.Fatal(err)
		}
		if got := batches(); len(got) != 2 {
			t.Fatalf("a read after the level completed was not sent at its wait: %v", got)
		}
	})
}

// A field that was counted on and never arrives is a bug; the batch still
// leaves, after dataloader's safety wait, and is counted as such.
func TestASafetySendIsCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		ops := (&Factory{Metrics: NewMetrics(reg)}).New()
		b, batches := countingLoader(t, ops)
		waits, never := &ast.Field{Alias: "a"}, &ast.Field{Alias: "b"}
		lv := level.New([]string{"c1"}, nil, []*ast.Field{waits, never})
		ctx := fieldCtx(With(context.Background(), ops), lv, waits)
		start := time.Now()
		if _, err := b.Load(ctx, 1)(); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != safetyWait {
			t.Fatalf("waited %v, want the safety wait %v", waited, safetyWait)
		}
		if got := batches(); len(got) != 1 {
			t.Fatalf("batches = %v", got)
		}
		if n := closedBy(t, reg, ClosedBySafety); n != 1 {
			t.Fatalf("batches sent by the safety timer = %d, want 1", n)
		}
		ops.Done()
	})
}
