package loaders

import (
	"context"
	"strings"
	"sync"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/store"
)

// ActivityKey is a dataloader key for a customer's stored activity: the
// customer, the window and the pushed-down filters. It is a plain
// comparable value: Channels and Types are sorted and joined with ",".
type ActivityKey struct {
	CustomerID string
	Since      int64 // unix nanoseconds, 0 for none
	Until      int64 // unix nanoseconds, 0 for none
	Limit      int
	Channels   string
	Types      string
}

// NewActivityKey makes the key of a windowed, filtered read of a customer's
// stored activity; channels and types must be sorted.
func NewActivityKey(customerID string, w connectors.Window, channels, types []string) ActivityKey {
	return ActivityKey{CustomerID: customerID, Since: nanos(w.Since), Until: nanos(w.Until), Limit: w.Limit,
		Channels: strings.Join(channels, ","), Types: strings.Join(types, ",")}
}

// Activities loads the events of the profile store's `events` collection
// (webhooks, recorded interactions) that report an interaction, newest
// first. Keys that share window bounds and filters are read in one store
// query with the largest limit among them: a list of customers costs one
// query per page.
func (l *Loaders) Activities(ctx context.Context, k ActivityKey) dataloader.Thunk[[]store.Activity] {
	return l.activityLoader().Load(ctx, k)
}

// ForgetActivities drops the activity the operation read, after a mutation
// recorded some.
func (l *Loaders) ForgetActivities() { l.activityLoader().forget() }

type activityGroup struct {
	since, until    int64
	channels, types string
}

func (l *Loaders) activityLoader() *batcher[ActivityKey, []store.Activity] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.activities == nil {
		l.activities = newBatcher(l, l.loadActivities)
	}
	return l.activities
}

func (l *Loaders) loadActivities(ctx context.Context, keys []ActivityKey) []*dataloader.Result[[]store.Activity] {
	groups := map[activityGroup][]int{}
	var order []activityGroup
	for i, k := range keys {
		g := activityGroup{k.Since, k.Until, k.Channels, k.Types}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], i)
	}
	out := make([]*dataloader.Result[[]store.Activity], len(keys))
	var wg sync.WaitGroup
	for _, g := range order {
		idx := groups[g]
		goOrInline(&wg, len(order), func() {
			q := store.ActivityQuery{Since: fromNanos(g.since), Until: fromNanos(g.until),
				Channels: split(g.channels), Types: split(g.types)}
			var ids []string
			seen := map[string]bool{}
			for _, i := range idx {
				q.Limit = max(q.Limit, keys[i].Limit)
				if !seen[keys[i].CustomerID] {
					seen[keys[i].CustomerID] = true
					ids = append(ids, keys[i].CustomerID)
				}
			}
			found, err := l.store.ActivityPage(ctx, ids, q)
			byID := make(map[string][]store.Activity, len(ids))
			for j, id := range ids {
				if err == nil {
					byID[id] = found[j]
				}
			}
			for _, i := range idx {
				if err != nil {
					out[i] = &dataloader.Result[[]store.Activity]{Error: err}
					continue
				}
				items := byID[keys[i].CustomerID]
				if len(items) > keys[i].Limit {
					items = items[:keys[i].Limit]
				}
				out[i] = &dataloader.Result[[]store.Activity]{Data: items}
			}
		})
	}
	wg.Wait()
	return out
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
