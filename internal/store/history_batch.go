package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// HistoryQuery asks for a page of one customer's history: up to Limit
// events after After (nil for the newest).
type HistoryQuery struct {
	CustomerID string
	After      *HistoryPage
	Limit      int
}

// Histories answers each query with a page of its customer's history,
// newest first: out[i] answers qs[i]. One query for one page (limited in
// the store), one query for many: history events are written by people
// (links, merges, splits), few per customer, so the store returns every
// event of the customers asked and each page is cut here.
func (s *Store) Histories(ctx context.Context, qs []HistoryQuery) ([][]Event, error) {
	out := make([][]Event, len(qs))
	if len(qs) == 1 {
		page, err := s.History(ctx, qs[0].CustomerID, qs[0].After, qs[0].Limit)
		out[0] = page
		return out, err
	}
	ids := make([]string, 0, len(qs))
	for _, q := range qs {
		ids = append(ids, q.CustomerID)
	}
	cur, err := s.history.Find(ctx, bson.D{{Key: "customer_ids", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("find histories: %w", err)
	}
	var all []Event
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("read histories: %w", err)
	}
	for i, q := range qs {
		for _, e := range all {
			if len(out[i]) == q.Limit {
				break
			}
			if involves(e, q.CustomerID) && q.After.before(e) {
				out[i] = append(out[i], e)
			}
		}
	}
	return out, nil
}

func involves(e Event, customerID string) bool {
	for _, c := range e.CustomerIDs {
		if c == customerID {
			return true
		}
	}
	return false
}

// before reports whether e comes after the position p in a newest-first
// walk: strictly older than (At, ID). A nil position comes before every
// event.
func (p *HistoryPage) before(e Event) bool {
	if p == nil {
		return true
	}
	return e.At.Before(p.At) || (e.At.Equal(p.At) && e.ID < p.ID)
}
