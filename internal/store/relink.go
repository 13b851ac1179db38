package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Move is one identity the identity sync moves: to another customer, or to
// nobody (To "") with a new status, because the systems' records say so
// now.
type Move struct {
	ID     string // the identity
	From   string // the customer it belongs to when the sync read it
	To     string // its customer after the move; "" for nobody
	Status string // its status after the move
	Reason string // why it joins nobody, with StatusShared
	Rule   string // how it joined To
	// Confidence of Rule.
	Confidence float64
}

// relinkChunk is how many moves one step of Relink locks and writes.
const relinkChunk = 200

// Relink moves identities between customers, for the identity sync: each
// identity that still belongs to its move's From is given To, its status,
// reason and rule; one that a change moved meanwhile is left alone (the
// next sync decides again). A move clears where merges brought the
// identity from: it is where the records put it now. Each pair of
// customers gets one "move" event in the history, naming the identities.
// It returns how many identities moved.
func (s *Store) Relink(ctx context.Context, moves []Move, actor, reason string, at time.Time) (int, error) {
	moves = slices.Clone(moves)
	slices.SortFunc(moves, func(a, b Move) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.ID, b.ID))
	})
	moved := 0
	for start := 0; start < len(moves); start += relinkChunk {
		n, err := s.relinkChunk(ctx, moves[start:min(start+relinkChunk, len(moves))], actor, reason, at)
		moved += n
		if err != nil {
			return moved, err
		}
	}
	return moved, nil
}

func (s *Store) relinkChunk(ctx context.Context, moves []Move, actor, reason string, at time.Time) (int, error) {
	var customers, ids []string
	for _, m := range moves {
		customers = append(customers, m.From, m.To)
		ids = append(ids, m.ID)
	}
	customers = sortedUnique(customers)
	release, err := s.lockMany(ctx, customers)
	if err != nil {
		return 0, err
	}
	defer release()
	current, err := findByIDs(ctx, s, s.identities, ids, nil, identityID)
	if err != nil {
		return 0, fmt.Errorf("relink: read identities: %w", err)
	}
	var todo []Move
	for _, m := range moves {
		if doc := current[m.ID]; doc != nil && doc.CustomerID == m.From && doc.Status != StatusUnlinked {
			todo = append(todo, m)
		}
	}
	if len(todo) == 0 {
		return 0, nil
	}
	// One event per pair of customers, recorded before the change.
	type pair struct{ from, to string }
	byPair := map[pair][]Identity{}
	var pairs []pair
	for _, m := range todo {
		p := pair{m.From, m.To}
		if _, ok := byPair[p]; !ok {
			pairs = append(pairs, p)
		}
		byPair[p] = append(byPair[p], *current[m.ID])
	}
	var events []Event
	for _, p := range pairs {
		ev := Event{ID: newEventID(), Action: ActionMove, At: at, Actor: actor,
			CustomerIDs: sortedUnique([]string{p.from, p.to}), Identities: refsOf(byPair[p]), Reason: reason, State: StatePending}
		if p.to != "" {
			ev.CustomerIDs = append([]string{p.to}, sortedUnique([]string{p.from})...) // the customer gaining first
		}
		if err := s.putEvent(ctx, ev); err != nil {
			return 0, err
		}
		events = append(events, ev)
	}
	n := 0
	err = s.rekeying(ctx, customers, func() (map[string]*keysDoc, error) {
		models := make([]mongo.WriteModel, 0, len(todo))
		for _, m := range todo {
			set := bson.D{{Key: "customer_id", Value: m.To}, {Key: "status", Value: m.Status}, {Key: "reason", Value: m.Reason},
				{Key: "linked_at", Value: at}}
			if m.Rule != "" {
				set = append(set, bson.E{Key: "rule", Value: m.Rule}, bson.E{Key: "confidence", Value: m.Confidence})
			}
			models = append(models, mongo.NewUpdateOneModel().
				SetFilter(bson.D{{Key: "_id", Value: m.ID}, {Key: "customer_id", Value: m.From}}).
				SetUpdate(bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: bson.D{{Key: "merged_from", Value: ""}, {Key: "merge_ids", Value: ""}}}}))
		}
		res, err := s.identities.BulkWrite(ctx, models)
		if err != nil {
			return nil, wrapStore("relink identities", err)
		}
		n = int(res.ModifiedCount)
		return nil, nil // rebuilt from the collections
	})
	if err != nil {
		for _, ev := range events {
			_ = s.dropEvent(ctx, ev.ID)
		}
		return n, err
	}
	for _, ev := range events {
		if err := s.doneEvent(ctx, ev.ID); err != nil {
			return n, err
		}
	}
	return n, nil
}

// EventsByID returns the history events among ids, by ID.
func (s *Store) EventsByID(ctx context.Context, ids []string) (map[string]*Event, error) {
	out, err := findByIDs(ctx, s, s.history, ids, nil, func(e *Event) string { return e.ID })
	if err != nil {
		return nil, fmt.Errorf("find events: %w", err)
	}
	return out, nil
}
