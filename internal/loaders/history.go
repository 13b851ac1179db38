package loaders

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/internal/store"
)

// HistoryKey is a dataloader key for a page of a customer's identity
// history: the customer, the position after which the page starts (zero
// for the newest) and the page's size. It is a plain comparable value.
type HistoryKey struct {
	CustomerID string
	AfterAt    int64 // unix nanoseconds, 0 for the start
	AfterID    string
	Limit      int
}

// NewHistoryKey makes the key of a page of limit events of customerID's
// history after the position after (nil for the newest).
func NewHistoryKey(customerID string, after *store.HistoryPage, limit int) HistoryKey {
	k := HistoryKey{CustomerID: customerID, Limit: limit}
	if after != nil {
		k.AfterAt, k.AfterID = after.At.UnixNano(), after.ID
	}
	return k
}

// History loads a page of a customer's identity history, newest first:
// every customer of a level in one store query.
func (l *Loaders) History(ctx context.Context, k HistoryKey) dataloader.Thunk[[]store.Event] {
	return l.historyLoader().Load(ctx, k)
}

func (l *Loaders) historyLoader() *batcher[HistoryKey, []store.Event] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.histories == nil {
		l.histories = newBatcher(l, l.loadHistories)
	}
	return l.histories
}

func (l *Loaders) loadHistories(ctx context.Context, keys []HistoryKey) []*dataloader.Result[[]store.Event] {
	pages := make([]store.HistoryQuery, len(keys))
	for i, k := range keys {
		pages[i] = store.HistoryQuery{CustomerID: k.CustomerID, Limit: k.Limit}
		if k.AfterID != "" {
			pages[i].After = &store.HistoryPage{At: time.Unix(0, k.AfterAt).UTC(), ID: k.AfterID}
		}
	}
	found, err := l.store.Histories(ctx, pages)
	return aligned(len(keys), err, func(i int) []store.Event { return found[i] })
}
