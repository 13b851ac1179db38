package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ActivityQuery is what a page of stored activity asks for. Everything in it
// is pushed into the store query: time bounds, channels and types.
type ActivityQuery struct {
	// Since and Until are inclusive bounds on occurred_at; zero means none.
	Since, Until time.Time
	// Limit is the most events per customer; always positive.
	Limit int
	// Channels keeps only interactions on these channels (as stored,
	// lower-case connector names); empty keeps all.
	Channels []string
	// Types keeps only interactions of these types; empty keeps all.
	Types []string
}

// ActivityPage returns out[i], the stored events of customerIDs[i] that
// report an interaction and match q, newest first (ties by _id, descending)
// and at most q.Limit each.
//
// It costs one query for all the customers: the query is capped at
// q.Limit × len(customerIDs) documents and read in batches until every
// customer has its q.Limit events. Only when the cap was reached and some
// customer still has fewer (others hold more than their share) is that
// customer asked again on its own, so a customer's list is never cut short
// of what it holds: callers rely on "fewer than Limit" meaning "no more".
//
// Only customers with an activity mark (marks.go) are read: when none of
// them has one, it costs one _id lookup per customer and no query on the
// events collection.
func (s *Store) ActivityPage(ctx context.Context, customerIDs []string, q ActivityQuery) ([][]Activity, error) {
	out := make([][]Activity, len(customerIDs))
	if len(customerIDs) == 0 {
		return out, nil
	}
	if q.Limit <= 0 {
		return nil, errActivityLimit
	}
	_, marked, err := s.marked(ctx, sortedUnique(customerIDs))
	if err != nil {
		return nil, err
	}
	var read []string
	for _, id := range sortedUnique(customerIDs) {
		if marked[id] {
			read = append(read, id)
		}
	}
	lists, err := s.activityPage(ctx, read, q)
	if err != nil {
		return nil, err
	}
	by := make(map[string][]Activity, len(read))
	for i, id := range read {
		by[id] = lists[i]
	}
	for i, id := range customerIDs {
		out[i] = by[id]
	}
	return out, nil
}

var errActivityLimit = errors.New("activity page: limit must be positive")

// activityPage is ActivityPage for customers that all have a mark.
func (s *Store) activityPage(ctx context.Context, customerIDs []string, q ActivityQuery) ([][]Activity, error) {
	out := make([][]Activity, len(customerIDs))
	if len(customerIDs) == 0 {
		return out, nil
	}
	by, capped, err := s.activityQuery(ctx, customerIDs, q)
	if err != nil {
		return nil, err
	}
	for i, id := range customerIDs {
		if capped && len(by[id]) < q.Limit {
			one, _, err := s.activityQuery(ctx, []string{id}, q)
			if err != nil {
				return nil, err
			}
			by[id] = one[id]
		}
		out[i] = by[id]
	}
	return out, nil
}

// activityQuery runs one capped query and says whether the cap was reached.
func (s *Store) activityQuery(ctx context.Context, customerIDs []string, q ActivityQuery) (map[string][]Activity, bool, error) {
	filter := bson.D{
		{Key: "customer_id", Value: bson.D{{Key: "$in", Value: customerIDs}}},
		{Key: "interaction", Value: bson.D{{Key: "$exists", Value: true}}},
	}
	window := bson.D{}
	if !q.Since.IsZero() {
		window = append(window, bson.E{Key: "$gte", Value: q.Since})
	}
	if !q.Until.IsZero() {
		window = append(window, bson.E{Key: "$lte", Value: q.Until})
	}
	if len(window) > 0 {
		filter = append(filter, bson.E{Key: "occurred_at", Value: window})
	}
	if len(q.Channels) > 0 {
		filter = append(filter, bson.E{Key: "interaction.channel", Value: bson.D{{Key: "$in", Value: q.Channels}}})
	}
	if len(q.Types) > 0 {
		filter = append(filter, bson.E{Key: "interaction.type", Value: bson.D{{Key: "$in", Value: q.Types}}})
	}
	limit := int64(q.Limit) * int64(len(customerIDs))
	cur, err := s.events.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "occurred_at", Value: -1}, {Key: "_id", Value: -1}}).
		SetLimit(limit).SetBatchSize(int32(min(limit, 1000)))) //nolint:gosec // G115: bounded by 1000 on the same line
	if err != nil {
		return nil, false, fmt.Errorf("find events: %w", err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	by := make(map[string][]Activity, len(customerIDs))
	full, read := 0, int64(0)
	for full < len(customerIDs) && cur.Next(ctx) {
		read++
		var a Activity
		if err := cur.Decode(&a); err != nil {
			return nil, false, fmt.Errorf("read events: %w", err)
		}
		if len(by[a.CustomerID]) >= q.Limit {
			continue
		}
		by[a.CustomerID] = append(by[a.CustomerID], a)
		if len(by[a.CustomerID]) == q.Limit {
			full++
		}
	}
	if err := cur.Err(); err != nil {
		return nil, false, fmt.Errorf("read events: %w", err)
	}
	return by, read == limit && full < len(customerIDs), nil
}

// ActivityByID returns the stored event with that ID, nil when there is none.
func (s *Store) ActivityByID(ctx context.Context, id string) (*Activity, error) {
	var a Activity
	err := s.events.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&a)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find event: %w", err)
	}
	return &a, nil
}
