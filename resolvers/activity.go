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
	items []T
	err   error
}

// loadFunc starts a windowed load of one key from one source.
type loadFunc[T any] func(context.Context, *sources.Source, string, connectors.Window) dataloader.Thunk[[]T]

// fetch reads the customer's items from every source that has a key for
// them, each with the window window gives it (false skips the source). All
// loads are issued before any is awaited, so sources are read in parallel.
func fetch[T any](ctx context.Context, srcs []*sources.Source, keys map[string][]string,
	window func(*sources.Source) (connectors.Window, bool), load loadFunc[T], at func(T) (time.Time, string),
) []fetched[T] {
	type pending struct {
		i      int
		thunks []dataloader.Thunk[[]T]
	}
	var out []fetched[T]
	var waits []pending
	for _, src := range srcs {
		ks := keys[src.Name()]
		if len(ks) == 0 {
			continue
		}
		w, ok := window(src)
		if !ok {
			continue
		}
		p := pending{i: len(out)}
		for _, k := range ks {
			p.thunks = append(p.thunks, load(ctx, src, k, w))
		}
		out = append(out, fetched[T]{src: src, w: w})
		waits = append(waits, p)
	}
	for _, p := range waits {
		f := &out[p.i]
		for _, th := range p.thunks {
			items, err := th()
			if err != nil {
				f.err, f.items = err, nil
				break
			}
			f.items = append(f.items, items...)
		}
		if len(p.thunks) > 1 && f.err == nil {
			// Several keys in one system: merge their lists.
			slices.SortStableFunc(f.items, func(a, b T) int {
				ta, ia := at(a)
				tb, ib := at(b)
				return cmp.Or(tb.Compare(ta), cmp.Compare(ib, ia))
			})
			if len(f.items) > f.w.Limit {
				f.items = f.items[:f.w.Limit]
			}
		}
	}
	return out
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
	var items []tagged
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
