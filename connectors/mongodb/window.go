package mongodb

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/connectors"
)

// DefaultMaxConcurrency bounds the finds in flight for one windowed call
// when max_concurrency is unset.
const DefaultMaxConcurrency = 4

// windowed reads each key's newest w.Limit documents inside the window:
// one find per distinct key, with the filter bound to that key alone, the
// configured sort (newest first) and the window's limit, so the database
// never returns a document the page does not show.
//
// Why not one aggregation for the batch: a per-key limit needs $group with
// $push and $slice, $topN, $setWindowFields, $facet or $unionWith, and
// FerretDB v1.24 (the embedded store, and a plausible upstream) implements
// none of them (NotImplemented). Finds bounded by a limit work on every
// MongoDB-compatible server; they cost one round trip per key, in
// parallel up to max_concurrency.
//
// The finds run at most MaxConcurrency at a time; the first failure
// cancels the others, and windowed returns only after every find has, so
// nothing uses ctx afterwards. add receives the documents of every key.
func (c *Connector) windowed(ctx context.Context, q *query, keys []string, w connectors.Window, add func(doc any) error) error {
	var distinct []string
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			distinct = append(distinct, k)
		}
	}
	docs := make([][]any, len(distinct))
	err := c.perKey(ctx, q.cp, len(distinct), func(ctx context.Context, i int) error {
		opts := options.Find().SetSort(q.sort).SetLimit(int64(w.Limit))
		filter := q.bind(values{keys: distinct[i : i+1], since: w.Since, until: w.Until})
		return c.find(ctx, q, filter, opts, func(doc any) (bool, error) {
			docs[i] = append(docs[i], doc)
			return true, nil
		})
	})
	if err != nil {
		return err
	}
	for i, list := range docs {
		for j, doc := range list {
			if err := add(doc); err != nil {
				return connectors.Errorf(connectors.CodeBadResponse, "%s find: key %d, document %d: %v", q.cp, i, j, err)
			}
		}
	}
	return nil
}

// perKey runs fn for i in [0, n) with at most MaxConcurrency in flight.
func (c *Connector) perKey(ctx context.Context, cp connectors.Capability, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := c.MaxConcurrency
	if workers <= 0 {
		workers = DefaultMaxConcurrency
	}
	workers = max(1, min(workers, n))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if ctx.Err() != nil {
					continue
				}
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return classify(ctx, cp, err)
	}
	return nil
}
