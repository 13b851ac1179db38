package resolvers

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/sources"
)

// fetched is what one source answered for one customer: the items of all
// the customer's keys in that source, newest first.
type fetched[T any] struct {
	src   *sources.Source
	w     connectors.Window
	keys  []string // the customer's native keys in src
	items []T
	err   error
}

// loadFunc starts a windowed load of one key from one source.
type loadFunc[T any] func(context.Context, *sources.Source, string, connectors.Window) dataloader.Thunk[[]T]

// pendingFetch is a fetch whose loads are issued and not yet awaited.
type pendingFetch[T any] struct {
	out    []fetched[T]
	thunks [][]dataloader.Thunk[[]T]
	at     func(T) (time.Time, string)
}

// startFetch issues the loads of the customer's items from every source that
// has a key for them, each with the window window gives it (false skips the
// source). Nothing waits yet: issue every load a resolver needs, then wait
// on them, so that sources are read in parallel and in one batch.
func startFetch[T any](ctx context.Context, srcs []*sources.Source, keys map[string][]string,
	window func(*sources.Source) (connectors.Window, bool), load loadFunc[T], at func(T) (time.Time, string),
) *pendingFetch[T] {
	p := &pendingFetch[T]{at: at}
	for _, src := range srcs {
		ks := keys[src.Name()]
		if len(ks) == 0 {
			continue
		}
		w, ok := window(src)
		if !ok {
			continue
		}
		var ths []dataloader.Thunk[[]T]
		for _, k := range ks {
			ths = append(ths, load(ctx, src, k, w))
		}
		p.out = append(p.out, fetched[T]{src: src, w: w, keys: ks})
		p.thunks = append(p.thunks, ths)
	}
	return p
}

// wait collects what every source answered.
func (p *pendingFetch[T]) wait() []fetched[T] {
	for i, ths := range p.thunks {
		f := &p.out[i]
		for _, th := range ths {
			items, err := th()
			if err != nil {
				f.err, f.items = err, nil
				break
			}
			if len(ths) == 1 {
				// The loader's cache holds this slice too: it is only read
				// from here on.
				f.items = items
				continue
			}
			f.items = append(f.items, items...)
		}
		if len(ths) > 1 && f.err == nil {
			// Several keys in one system: merge their lists.
			slices.SortStableFunc(f.items, func(a, b T) int {
				ta, ia := p.at(a)
				tb, ib := p.at(b)
				return cmp.Or(tb.Compare(ta), cmp.Compare(ib, ia))
			})
			if len(f.items) > f.w.Limit {
				f.items = f.items[:f.w.Limit]
			}
		}
	}
	return p.out
}

// firstN is a window of the n newest items.
func firstN(n int) func(*sources.Source) (connectors.Window, bool) {
	return func(*sources.Source) (connectors.Window, bool) { return connectors.Window{Limit: n}, true }
}

// startOrders issues the reads of the customer's n newest orders.
func (r *Resolver) startOrders(ctx context.Context, keys map[string][]string, n int) *pendingFetch[connectors.Order] {
	return startFetch(ctx, r.Sources.With(connectors.CapOrders), keys, firstN(n), loadOrders, orderAt)
}

// startInteractions issues the reads of the customer's n newest interactions.
func (r *Resolver) startInteractions(ctx context.Context, keys map[string][]string, n int) *pendingFetch[connectors.Interaction] {
	return startFetch(ctx, r.Sources.With(connectors.CapInteractions), keys, firstN(n), loadInteractions, interactionAt)
}

// startMetrics issues the reads the metrics rest on: the newest
// metricsOrders orders and metricsInteractions interactions per source and
// key, the same windows for a customer's metrics and a segment's (see
// metrics.go), so a query asking both reads once.
func (r *Resolver) startMetrics(ctx context.Context, keys map[string][]string) pendingMetrics {
	return pendingMetrics{
		orders:       startFetch(ctx, r.Sources.With(connectors.CapOrders), keys, firstN(metricsOrders), loadOrders, orderAt),
		interactions: startFetch(ctx, r.Sources.With(connectors.CapInteractions), keys, firstN(metricsInteractions), loadInteractions, interactionAt),
	}
}

func orderAt(o connectors.Order) (time.Time, string)             { return o.PlacedAt, o.ID }
func interactionAt(i connectors.Interaction) (time.Time, string) { return i.OccurredAt, i.ID }

func loadOrders(ctx context.Context, src *sources.Source, key string, w connectors.Window) dataloader.Thunk[[]connectors.Order] {
	return loaders.From(ctx).Orders(ctx, src, key, w)
}

func loadInteractions(ctx context.Context, src *sources.Source, key string, w connectors.Window) dataloader.Thunk[[]connectors.Interaction] {
	return loaders.From(ctx).Interactions(ctx, src, key, w)
}

// newest merges every source's items newest first and keeps n; failing
// sources are reported on the current field.
func newest[T, M any](ctx context.Context, all []fetched[T], n int, at func(T) (time.Time, string), conv func(string, T) M) []M {
	type tagged struct {
		source string
		item   T
	}
	var fails failures
	total := 0
	for _, f := range all {
		total += len(f.items)
	}
	items := make([]tagged, 0, total)
	for _, f := range all {
		if f.err != nil {
			fails.add(ctx, f.src.Name(), f.err)
			continue
		}
		for _, it := range f.items {
			items = append(items, tagged{f.src.Name(), it})
		}
	}
	slices.SortStableFunc(items, func(a, b tagged) int {
		ta, ia := at(a.item)
		tb, ib := at(b.item)
		return cmp.Or(tb.Compare(ta), cmp.Compare(b.source, a.source), cmp.Compare(ib, ia))
	})
	out := make([]M, 0, min(n, len(items)))
	for _, it := range items[:min(n, len(items))] {
		out = append(out, conv(it.source, it.item))
	}
	return out
}
