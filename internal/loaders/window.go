package loaders

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
)

// WindowKey is a dataloader key for a windowed read: a native key and the
// window asked for it. It is a plain comparable value.
type WindowKey struct {
	Key   string
	Since int64 // unix nanoseconds, 0 for none
	Until int64 // unix nanoseconds, 0 for none
	Limit int
}

func keyOf(key string, w connectors.Window) WindowKey {
	return WindowKey{Key: key, Since: nanos(w.Since), Until: nanos(w.Until), Limit: w.Limit}
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

type bounds struct{ since, until int64 }

// windowed turns a source's windowed batch read into a dataloader batch
// function. Keys that share bounds are read in one upstream call with the
// largest limit among them, and each key gets its own limit back: a timeline
// page (n+1 items), an orders field (n) and the metrics (hundreds) over the
// same customers cost one call, not three.
func windowed[T any](read func(context.Context, []string, connectors.Window) ([][]T, error)) dataloader.BatchFunc[WindowKey, []T] {
	return func(ctx context.Context, keys []WindowKey) []*dataloader.Result[[]T] {
		groups := map[bounds][]int{}
		var order []bounds
		for i, k := range keys {
			b := bounds{k.Since, k.Until}
			if _, ok := groups[b]; !ok {
				order = append(order, b)
			}
			groups[b] = append(groups[b], i)
		}
		out := make([]*dataloader.Result[[]T], len(keys))
		var wg sync.WaitGroup
		for _, b := range order {
			idx := groups[b]
			goOrInline(&wg, len(order), func() {
				limit := 0
				var native []string
				seen := map[string]bool{}
				for _, i := range idx {
					limit = max(limit, keys[i].Limit)
					if !seen[keys[i].Key] {
						seen[keys[i].Key] = true
						native = append(native, keys[i].Key)
					}
				}
				w := connectors.Window{Since: fromNanos(b.since), Until: fromNanos(b.until), Limit: limit}
				res, err := read(ctx, native, w)
				byKey := make(map[string][]T, len(native))
				// A partial failure fails only its keys (see sources.PartialError).
				var pe *sources.PartialError
				partial := errors.As(err, &pe)
				failed := map[string]bool{}
				for j, k := range native {
					switch {
					case err == nil:
						byKey[k] = res[j]
					case partial && !pe.Failed(j):
						byKey[k] = res[j]
					default:
						failed[k] = true
					}
				}
				for _, i := range idx {
					if failed[keys[i].Key] {
						out[i] = &dataloader.Result[[]T]{Error: err}
						continue
					}
					items := byKey[keys[i].Key]
					if len(items) > keys[i].Limit {
						items = items[:keys[i].Limit]
					}
					out[i] = &dataloader.Result[[]T]{Data: items}
				}
			})
		}
		wg.Wait()
		return out
	}
}

// goOrInline runs fn on a goroutine of wg when it is one of n reads to
// make at once, and on the caller's when it is the only one: a new
// goroutine would only grow a stack the caller has already grown.
func goOrInline(wg *sync.WaitGroup, n int, fn func()) {
	if n == 1 {
		fn()
		return
	}
	wg.Go(fn)
}
