package loaders

import (
	"context"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"go.opentelemetry.io/otel/trace"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/tracing"
)

// MaxWait caps how long one batch may stay open while keys keep arriving.
const MaxWait = 10 * time.Millisecond

// safetyWait is dataloader's own timer, a net under ours: it only fires if
// a batch somehow outlived both of ours, or a hold lasted that long.
const safetyWait = time.Second

// batcher is a dataloader whose batch closes when no key has arrived for
// idle (or MaxWait after its first key), rather than a fixed time after the
// first key. Keys that trickle in from many resolvers waking at once stay in
// one batch however long the trickle, and a level waits only idle once the
// keys stop. While its operation's gate is held, no batch closes.
type batcher[K comparable, V any] struct {
	ld      *dataloader.Loader[K, V]
	idle    time.Duration
	maxWait time.Duration
	gate    *gate

	mu     sync.Mutex
	open   bool // keys arrived since the last close
	idleT  *time.Timer
	limitT *time.Timer
}

func newBatcher[K comparable, V any](g *gate, fn dataloader.BatchFunc[K, V], idle, maxWait time.Duration) *batcher[K, V] {
	b := &batcher[K, V]{
		ld:      dataloader.NewBatchedLoader(fn, dataloader.WithWait[K, V](max(safetyWait, maxWait))),
		idle:    idle,
		maxWait: max(maxWait, idle),
		gate:    g,
	}
	g.add(b)
	return b
}

// Load adds key to the open batch and returns its thunk.
func (b *batcher[K, V]) Load(ctx context.Context, key K) dataloader.Thunk[V] {
	th := b.ld.Load(ctx, key)
	b.mu.Lock()
	if !b.open {
		b.open = true
		b.idleT = time.AfterFunc(b.idle, b.expire)
		b.limitT = time.AfterFunc(b.maxWait, b.expire)
	} else {
		b.idleT.Reset(b.idle)
	}
	b.mu.Unlock()
	return th
}

// Prime records a value without loading it.
func (b *batcher[K, V]) Prime(ctx context.Context, key K, v V) {
	b.ld.Prime(ctx, key, v)
}

// forget drops every cached value.
func (b *batcher[K, V]) forget() { b.ld.ClearAll() }

// expire runs when a timer fires: the batch closes, unless the gate is held.
func (b *batcher[K, V]) expire() {
	if !b.gate.held() {
		b.flush()
	}
}

// flush closes the open batch, if any, and sends it.
func (b *batcher[K, V]) flush() {
	b.mu.Lock()
	if !b.open {
		b.mu.Unlock()
		return
	}
	b.open = false
	b.idleT.Stop()
	b.limitT.Stop()
	b.mu.Unlock()
	b.ld.Flush()
}

// gate is shared by one operation's batchers. Holding it keeps every batch
// open; the last release closes them all at once. A resolver that issues
// the loads of many objects holds it meanwhile (see Loaders.Hold), so their
// keys form one batch per loader whatever the scheduler does.
type gate struct {
	mu       sync.Mutex
	holds    int
	batchers []interface{ flush() }
}

func (g *gate) add(b interface{ flush() }) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.batchers = append(g.batchers, b)
}

func (g *gate) held() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.holds > 0
}

func (g *gate) hold() (release func()) {
	g.mu.Lock()
	g.holds++
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			g.holds--
			last := g.holds == 0
			all := append([]interface{ flush() }(nil), g.batchers...)
			g.mu.Unlock()
			if last {
				for _, b := range all {
					b.flush()
				}
			}
		})
	}
}

// traced wraps a connector loader's batch function in a span per batch,
// naming the connector and capability and counting the keys (never
// holding them). The upstream calls the batch makes are its children.
func traced[K comparable, V any](connector string, c connectors.Capability, fn dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		ctx, span := tracing.Tracer().Start(ctx, "loader "+connector+" "+string(c), trace.WithAttributes(
			tracing.AttrConnector.String(connector),
			tracing.AttrCapability.String(string(c)),
			tracing.AttrKeys.Int(len(keys)),
		))
		defer span.End()
		return fn(ctx, keys)
	}
}
