package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Identity graph actions recorded in the history.
const (
	ActionLink   = "link"
	ActionUnlink = "unlink"
	ActionMerge  = "merge"
	ActionSplit  = "split"
	// ActionMove is the identity sync moving identities from one customer
	// to another (or to nobody, a value found shared) because the
	// systems' records say so now.
	ActionMove = "move"
)

// Event is one change a person made to the identity graph. Events are
// written before the change they describe (State "pending") and marked
// "done" after it, so a crash never leaves a change without its record.
type Event struct {
	ID     string    `bson:"_id"`
	Action string    `bson:"action"`
	At     time.Time `bson:"at"`
	Actor  string    `bson:"actor"`
	// CustomerIDs are the customers involved; for a merge or split the
	// survivor comes first.
	CustomerIDs []string   `bson:"customer_ids"`
	Identities  []EventRef `bson:"identities"`
	Reason      string     `bson:"reason,omitempty"`
	State       string     `bson:"state"`
}

// EventRef names an identity an event touched.
type EventRef struct {
	ID     string `bson:"id"`
	Kind   string `bson:"kind"`
	System string `bson:"system,omitempty"`
	Value  string `bson:"value"`
}

// Event states.
const (
	StatePending = "pending"
	StateDone    = "done"
)

func refsOf(ids []Identity) []EventRef {
	out := make([]EventRef, len(ids))
	for i, id := range ids {
		out[i] = EventRef{ID: id.ID, Kind: id.Kind, System: id.System, Value: id.Value}
	}
	return out
}

// newEventID returns a random event ID.
func newEventID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "evt_" + hex.EncodeToString(b[:])
}

// putEvent inserts e unless an event with its ID exists (a re-run).
func (s *Store) putEvent(ctx context.Context, e Event) error {
	_, err := s.history.InsertOne(ctx, e)
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("record %s event: %w", e.Action, err)
	}
	return nil
}

// doneEvent marks an event done.
func (s *Store) doneEvent(ctx context.Context, id string) error {
	_, err := s.history.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: StateDone}}}})
	if err != nil {
		return fmt.Errorf("complete event: %w", err)
	}
	return nil
}

// dropEvent deletes a pending event whose change turned out unneeded.
func (s *Store) dropEvent(ctx context.Context, id string) error {
	_, err := s.history.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "state", Value: StatePending}})
	if err != nil {
		return fmt.Errorf("drop event: %w", err)
	}
	return nil
}

// EventByID returns an event, nil when there is none.
func (s *Store) EventByID(ctx context.Context, id string) (*Event, error) {
	var e Event
	err := s.history.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&e)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find event: %w", err)
	}
	return &e, nil
}

// HistoryPage is a position in a customer's history: events strictly older
// than (At, ID).
type HistoryPage struct {
	At time.Time
	ID string
}

// History returns up to limit events involving customerID, newest first,
// after the given position (nil for the start). Pending events are
// included: they mark a change that may be under way or was interrupted.
func (s *Store) History(ctx context.Context, customerID string, after *HistoryPage, limit int) ([]Event, error) {
	filter := bson.D{{Key: "customer_ids", Value: customerID}}
	if after != nil {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: after.At}}}},
			bson.D{{Key: "at", Value: after.At}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: after.ID}}}},
		}})
	}
	cur, err := s.history.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("find history: %w", err)
	}
	var out []Event
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	return out, nil
}

// EventsBetween returns the merge and split events that involve both
// customers, newest first.
func (s *Store) EventsBetween(ctx context.Context, a, b string) ([]Event, error) {
	cur, err := s.history.Find(ctx, bson.D{
		{Key: "customer_ids", Value: a},
		{Key: "action", Value: bson.D{{Key: "$in", Value: bson.A{ActionMerge, ActionSplit, ActionMove}}}},
	}, options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("find events: %w", err)
	}
	var all []Event
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	var out []Event
	for _, e := range all {
		for _, c := range e.CustomerIDs {
			if c == b {
				out = append(out, e)
				break
			}
		}
	}
	return out, nil
}
