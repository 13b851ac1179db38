package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// eventsCollection holds the events systems report by webhook.
const eventsCollection = "events"

// Activity is one event a system reported by webhook, as stored. Its ID is
// derived from the connector and the system's event ID, so a delivery the
// system retries is refused by the unique _id instead of stored twice.
type Activity struct {
	ID        string `bson:"_id"`
	Connector string `bson:"connector"`
	// EventID is the system's own event ID.
	EventID string `bson:"event_id"`
	Type    string `bson:"type,omitempty"`
	// CustomerID is the customer the event was resolved to when it arrived,
	// "" when nobody was known: the event is kept, with what names the
	// customer, for a later resolution.
	CustomerID  string `bson:"customer_id"`
	CustomerKey string `bson:"customer_key,omitempty"`
	// IdentifierKind and Identifier are the normalised identifier an event
	// without a native key named.
	IdentifierKind string       `bson:"identifier_kind,omitempty"`
	Identifier     string       `bson:"identifier,omitempty"`
	ReceivedAt     time.Time    `bson:"received_at"`
	OccurredAt     time.Time    `bson:"occurred_at"`
	Interaction    *Interaction `bson:"interaction,omitempty"`
}

// Interaction is the contact an event reports. Attributes are a list, not
// a map, so that no attribute name a system chooses becomes a document key.
type Interaction struct {
	ID              string        `bson:"id"`
	Channel         string        `bson:"channel,omitempty"`
	Type            string        `bson:"type,omitempty"`
	Direction       string        `bson:"direction,omitempty"`
	OccurredAt      time.Time     `bson:"occurred_at"`
	Summary         string        `bson:"summary,omitempty"`
	Status          string        `bson:"status,omitempty"`
	ThreadRef       string        `bson:"thread_ref,omitempty"`
	Duration        time.Duration `bson:"duration,omitempty"`
	FirstResponseAt time.Time     `bson:"first_response_at,omitempty"`
	ResolvedAt      time.Time     `bson:"resolved_at,omitempty"`
	Attributes      []Attribute   `bson:"attributes,omitempty"`
}

// Attribute is one named fact of an interaction.
type Attribute struct {
	Name  string `bson:"name"`
	Value string `bson:"value"`
}

// ActivityID derives the document ID of a connector's event: a hash, so it
// reveals nothing and has no character MongoDB reserves.
func ActivityID(connector, eventID string) string {
	h := sha256.Sum256([]byte(connector + "\x00" + eventID))
	return "act_" + hex.EncodeToString(h[:])
}

// AddActivities stores events in one unordered insert per 500 and reports,
// for each, whether it was new: stored[i] is false when an event with
// as[i].ID was already stored (a duplicate). On error, some events may be
// stored and others not; adding them again is safe.
func (s *Store) AddActivities(ctx context.Context, as []Activity) (stored []bool, err error) {
	var customers []string
	for _, a := range as {
		customers = append(customers, a.CustomerID)
	}
	customers = sortedUnique(customers)
	// The mark first: a customer without one has no stored activity, and
	// its reads ask nothing of the events collection.
	if err := s.mark(ctx, markActivity, customers); err != nil {
		return nil, err
	}
	docs := make([]any, len(as))
	for i := range as {
		docs[i] = as[i]
	}
	stored, err = insertEach(ctx, s.events, docs)
	if err != nil {
		return nil, fmt.Errorf("store events: %w", err)
	}
	s.changed(ctx, customers)
	return stored, nil
}

// ActivitiesOf returns out[i], the stored events of customerIDs[i] that
// occurred inside [since, until] (zero bounds: none), newest first and at
// most limit each. One query.
func (s *Store) ActivitiesOf(ctx context.Context, customerIDs []string, since, until time.Time, limit int) ([][]Activity, error) {
	filter := bson.D{{Key: "customer_id", Value: bson.D{{Key: "$in", Value: customerIDs}}}}
	window := bson.D{}
	if !since.IsZero() {
		window = append(window, bson.E{Key: "$gte", Value: since})
	}
	if !until.IsZero() {
		window = append(window, bson.E{Key: "$lte", Value: until})
	}
	if len(window) > 0 {
		filter = append(filter, bson.E{Key: "occurred_at", Value: window})
	}
	cur, err := s.events.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "occurred_at", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("find events: %w", err)
	}
	var found []Activity
	if err := cur.All(ctx, &found); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	by := make(map[string][]Activity, len(customerIDs))
	for _, a := range found {
		if limit <= 0 || len(by[a.CustomerID]) < limit {
			by[a.CustomerID] = append(by[a.CustomerID], a)
		}
	}
	out := make([][]Activity, len(customerIDs))
	for i, id := range customerIDs {
		out[i] = by[id]
	}
	return out, nil
}

// CountActivities counts the stored events of a connector ("" for all).
func (s *Store) CountActivities(ctx context.Context, connector string) (int64, error) {
	filter := bson.D{}
	if connector != "" {
		filter = bson.D{{Key: "connector", Value: connector}}
	}
	n, err := s.events.CountDocuments(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

// ActivityEventIDs returns the system event ID of every stored event of a
// connector, one entry per stored document, for audits and tests.
func (s *Store) ActivityEventIDs(ctx context.Context, connector string) ([]string, error) {
	cur, err := s.events.Find(ctx, bson.D{{Key: "connector", Value: connector}},
		options.Find().SetProjection(bson.D{{Key: "event_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find events: %w", err)
	}
	var docs []struct {
		EventID string `bson:"event_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.EventID
	}
	return out, nil
}

// ensureEventIndexes creates the index that serves a customer's activity, newest first.
func (s *Store) ensureEventIndexes(ctx context.Context) error {
	_, err := s.events.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "customer_id", Value: 1}, {Key: "occurred_at", Value: -1}},
		Options: options.Index().SetName("customer_id_occurred_at"),
	})
	if err != nil {
		return fmt.Errorf("create %s index customer_id_occurred_at: %w", eventsCollection, err)
	}
	return nil
}
