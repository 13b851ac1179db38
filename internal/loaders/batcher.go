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

// safetyWait is dataloader's own timer, a net under the rule that sends
// batches (see Loaders.blocked): it fires only if a field that was counted
// on never issued its reads nor ended, which is a bug. Such batches are
// counted as closed by ClosedBySafety.
const safetyWait = time.Second

// inputCapacity is the buffer of a batch's key channel. dataloader's
// default, 1000, allocates 8 KB per batch, and an operation opens a batch
// per source and capability. A goroutine drains the channel while the
// batch is open, so a batch of more keys only makes Load wait its turn,
// never lose a key.
const inputCapacity = 16

// batcher is one loader of an operation: a dataloader used as the batch
// and the thunks, with the operation's cache of what it loaded. It never
// sends a batch on a timer: the operation sends every open batch when
// nobody can still add keys to it (Loaders.send).
type batcher[K comparable, V any] struct {
	ld  *dataloader.Loader[K, V]
	ops *Loaders

	mu      sync.Mutex
	loaded  map[K]*entry[V]
	open    uint64    // the number of the open batch
	pending bool      // the open batch has keys
	last    time.Time // when its last key arrived
	sent    uint64    // batches sent by send
	ran     uint64    // batches the dataloader ran
}

// noBatch is the batch of a primed value: none, so never unsent.
const noBatch = ^uint64(0)

// entry is one key's load: its thunk and the batch it went into.
type entry[V any] struct {
	thunk dataloader.Thunk[V]
	batch uint64
}

func newBatcher[K comparable, V any](ops *Loaders, fn dataloader.BatchFunc[K, V]) *batcher[K, V] {
	b := &batcher[K, V]{ops: ops, loaded: map[K]*entry[V]{}}
	b.ld = dataloader.NewBatchedLoader(b.counted(fn), dataloader.WithWait[K, V](safetyWait),
		dataloader.WithInputCapacity[K, V](inputCapacity), dataloader.WithCache[K, V](&dataloader.NoCache[K, V]{}))
	ops.add(b)
	return b
}

// Load adds key to the open batch, unless it was loaded before, and
// returns its thunk. Calling the thunk before the batch is sent tells the
// operation that the caller is done issuing (see Loaders.blocked).
func (b *batcher[K, V]) Load(ctx context.Context, key K) dataloader.Thunk[V] {
	b.mu.Lock()
	e, ok := b.loaded[key]
	if !ok {
		e = &entry[V]{thunk: b.ld.Load(ctx, key), batch: b.open}
		b.loaded[key] = e
		b.pending = true
		b.last = time.Now()
	}
	b.mu.Unlock()
	return func() (V, error) {
		if b.unsent(e) {
			b.ops.blocked(ctx)
		}
		return e.thunk()
	}
}

// Prime records a value without loading it.
func (b *batcher[K, V]) Prime(key K, v V) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.loaded[key]; !ok {
		b.loaded[key] = &entry[V]{thunk: func() (V, error) { return v, nil }, batch: noBatch}
	}
}

// forget drops every value loaded, so that the next load reads again.
func (b *batcher[K, V]) forget() {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.loaded)
}

// unsent reports whether e's batch is still open.
func (b *batcher[K, V]) unsent(e *entry[V]) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pending && e.batch == b.open
}

// send sends the open batch, if it has keys.
func (b *batcher[K, V]) send(closedBy string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.pending {
		return
	}
	b.pending = false
	b.open++
	b.sent++
	b.ops.metrics.observe(closedBy, time.Since(b.last))
	b.ld.Flush()
}

// counted wraps the batch function to count the batches dataloader runs:
// one that send did not send was sent by the safety timer.
func (b *batcher[K, V]) counted(fn dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		b.mu.Lock()
		b.ran++
		if b.ran > b.sent {
			b.sent = b.ran
			if b.pending {
				b.pending = false
				b.open++
			}
			b.ops.metrics.observe(ClosedBySafety, time.Since(b.last))
		}
		b.mu.Unlock()
		return fn(ctx, keys)
	}
}

// traced wraps a connector loader's batch function in a span per batch,
// naming the connector and capability and counting the keys (never
// holding them). The upstream calls the batch makes are its children.
func traced[K comparable, V any](connector string, c connectors.Capability, fn dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		if !tracing.On() {
			return fn(ctx, keys)
		}
		ctx, span := tracing.Tracer().Start(ctx, "loader "+connector+" "+string(c), trace.WithAttributes(
			tracing.AttrConnector.String(connector),
			tracing.AttrCapability.String(string(c)),
			tracing.AttrKeys.Int(len(keys)),
		))
		defer span.End()
		return fn(ctx, keys)
	}
}
