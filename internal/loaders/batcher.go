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

// inputCapacity is the buffer of a batch's key channel. dataloader's
// default, 1000, allocates 8 KB per batch, and an operation opens a batch
// per source and capability: most of what a customer 360 allocated in its
// loaders. A goroutine drains the channel while the batch is open, so a
// batch of more keys only makes Load wait its turn, never lose a key.
const inputCapacity = 16

// batcher is a dataloader whose batch closes when no key has arrived for
// idle (or MaxWait after its first key), rather than a fixed time after the
// first key. Keys that trickle in from many resolvers waking at once stay in
// one batch however long the trickle, and a level waits only idle once the
// keys stop. While its operation's gate is held, no batch closes.
type batcher[K comparable, V any] struct {
	ld      *dataloader.Loader[K, V]
	cache   *thunks[K, V] // ld's cache: a key loaded before opens no batch
	idle    time.Duration
	maxWait time.Duration
	gate    *gate

	mu     sync.Mutex
	open   bool      // keys arrived since the last close
	gen    uint64    // counts the batches opened; a timer closes only its own
	last   time.Time // when the last key arrived
	idleT  *time.Timer
	limitT *time.Timer
}

func newBatcher[K comparable, V any](g *gate, fn dataloader.BatchFunc[K, V], idle, maxWait time.Duration) *batcher[K, V] {
	c := &thunks[K, V]{m: map[K]dataloader.Thunk[V]{}}
	b := &batcher[K, V]{
		ld: dataloader.NewBatchedLoader(fn, dataloader.WithWait[K, V](max(safetyWait, maxWait)),
			dataloader.WithInputCapacity[K, V](inputCapacity), dataloader.WithCache[K, V](c)),
		cache:   c,
		idle:    idle,
		maxWait: max(maxWait, idle),
		gate:    g,
	}
	g.add(b)
	return b
}

// Load adds key to the open batch and returns its thunk. A key loaded
// before returns its thunk and leaves the batch alone: the resolvers that
// find what a prefetch issued open no batch and start no timer.
func (b *batcher[K, V]) Load(ctx context.Context, key K) dataloader.Thunk[V] {
	if th, ok := b.cache.Get(ctx, key); ok {
		return th
	}
	th := b.ld.Load(ctx, key)
	b.mu.Lock()
	b.last = time.Now()
	if !b.open {
		b.open = true
		b.gen++
		gen := b.gen
		b.idleT = time.AfterFunc(b.idle, func() { b.expire(gen, ClosedByIdle) })
		b.limitT = time.AfterFunc(b.maxWait, func() { b.expire(gen, ClosedByMax) })
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

// expire runs when a timer of batch gen fires: that batch closes, unless
// the gate is held (its release will close it) or it closed already.
func (b *batcher[K, V]) expire(gen uint64, closedBy string) {
	held, releasing := b.gate.state()
	if held {
		return
	}
	if releasing {
		// The last release is closing every batch right now; this timer
		// only got there first.
		closedBy = ClosedByHold
	}
	b.close(gen, closedBy)
}

// flush closes the open batch, if any, and sends it.
func (b *batcher[K, V]) flush(closedBy string) { b.close(0, closedBy) }

// close closes the open batch if it is batch gen (any batch for 0) and
// sends it.
func (b *batcher[K, V]) close(gen uint64, closedBy string) {
	b.mu.Lock()
	if !b.open || (gen != 0 && gen != b.gen) {
		b.mu.Unlock()
		return
	}
	b.open = false
	b.idleT.Stop()
	b.limitT.Stop()
	wait := time.Since(b.last)
	b.mu.Unlock()
	b.gate.metrics.observe(closedBy, wait)
	b.ld.Flush()
}

// thunks is a batcher's dataloader cache, which the batcher reads too.
type thunks[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]dataloader.Thunk[V]
}

func (c *thunks[K, V]) Get(_ context.Context, k K) (dataloader.Thunk[V], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	th, ok := c.m[k]
	return th, ok
}

func (c *thunks[K, V]) Set(_ context.Context, k K, th dataloader.Thunk[V]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = th
}

func (c *thunks[K, V]) Delete(_ context.Context, k K) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[k]
	delete(c.m, k)
	return ok
}

func (c *thunks[K, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}

// gate is shared by one operation's batchers. Holding it keeps every batch
// open; the last release closes them all at once. A resolver that issues
// the loads of many objects holds it meanwhile (see Loaders.Hold), so their
// keys form one batch per loader whatever the scheduler does.
type gate struct {
	metrics   *Metrics
	mu        sync.Mutex
	holds     int
	releasing int // last releases closing the batches
	batchers  []interface{ flush(closedBy string) }
}

func (g *gate) add(b interface{ flush(closedBy string) }) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.batchers = append(g.batchers, b)
}

// state reports whether the gate is held, and whether a last release is
// closing the batches.
func (g *gate) state() (held, releasing bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.holds > 0, g.releasing > 0
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
			all := append([]interface{ flush(closedBy string) }(nil), g.batchers...)
			if last {
				g.releasing++
			}
			g.mu.Unlock()
			if last {
				for _, b := range all {
					b.flush(ClosedByHold)
				}
				g.mu.Lock()
				g.releasing--
				g.mu.Unlock()
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
