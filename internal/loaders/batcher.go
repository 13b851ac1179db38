package loaders

import (
	"context"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

// MaxWait caps how long one batch may stay open while keys keep arriving.
const MaxWait = 10 * time.Millisecond

// batcher is a dataloader whose batch closes once no key has arrived for
// idle, rather than a fixed time after the first key. When an operation's
// resolvers for many objects wake at once (say, 50 customers whose links
// just arrived), their keys trickle in over a span that depends on the
// machine's load; a fixed window would split them into several upstream
// calls under load. Closing on the first idle gap keeps them in one call,
// adds only idle to the latency of a level, and MaxWait bounds the rest.
type batcher[K comparable, V any] struct {
	ld   *dataloader.Loader[K, V]
	idle time.Duration

	mu    sync.Mutex
	timer *time.Timer
}

func newBatcher[K comparable, V any](fn dataloader.BatchFunc[K, V], idle time.Duration) *batcher[K, V] {
	return newBatcherCapped(fn, idle, max(MaxWait, idle))
}

func newBatcherCapped[K comparable, V any](fn dataloader.BatchFunc[K, V], idle, maxWait time.Duration) *batcher[K, V] {
	return &batcher[K, V]{
		ld:   dataloader.NewBatchedLoader(fn, dataloader.WithWait[K, V](maxWait)),
		idle: idle,
	}
}

// Load adds key to the open batch and returns its thunk.
func (b *batcher[K, V]) Load(ctx context.Context, key K) dataloader.Thunk[V] {
	th := b.ld.Load(ctx, key)
	b.mu.Lock()
	if b.timer == nil {
		b.timer = time.AfterFunc(b.idle, b.ld.Flush)
	} else {
		b.timer.Reset(b.idle)
	}
	b.mu.Unlock()
	return th
}

// Prime records a value without loading it.
func (b *batcher[K, V]) Prime(ctx context.Context, key K, v V) {
	b.ld.Prime(ctx, key, v)
}
