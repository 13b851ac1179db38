package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const consentsCollection = "consents"

// Consent is one consent record: a customer gave or withdrew consent for a
// purpose, on one channel or on all of them. Records are only ever added;
// the newest for a purpose and channel stands, the others are history. The
// document's ID is random: it holds no personal data.
type Consent struct {
	ID         string `bson:"_id"`
	CustomerID string `bson:"customer_id"`
	// Purpose is lower case: marketing, service, analytics,
	// personalization.
	Purpose string `bson:"purpose"`
	// Channel is lower case (email, sms...), "" for every channel.
	Channel    string    `bson:"channel,omitempty"`
	Granted    bool      `bson:"granted"`
	Source     string    `bson:"source"`
	RecordedAt time.Time `bson:"recorded_at"`
	Actor      string    `bson:"actor"`
	// Erased marks the tombstone an erasure leaves in place of a
	// customer's records: it says when (RecordedAt) and nothing else.
	Erased bool `bson:"erased,omitempty"`
}

// NewConsentID returns a fresh random consent ID.
func NewConsentID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "cns_" + hex.EncodeToString(b[:])
}

func (s *Store) consents() *mongo.Collection {
	return s.customers.Database().Collection(consentsCollection)
}

// AddConsent records c (its ID is set when empty). One insert.
func (s *Store) AddConsent(ctx context.Context, c Consent) (Consent, error) {
	if c.ID == "" {
		c.ID = NewConsentID()
	}
	c.RecordedAt = c.RecordedAt.UTC().Truncate(time.Millisecond)
	if err := s.mark(ctx, markConsents, []string{c.CustomerID}); err != nil {
		return c, err
	}
	if _, err := s.consents().InsertOne(ctx, c); err != nil {
		return c, fmt.Errorf("record consent: %w", err)
	}
	s.changed(ctx, []string{c.CustomerID})
	return c, nil
}

// ConsentsOf returns out[i], every consent record of customerIDs[i], newest
// first (ties by ID, descending). One query.
func (s *Store) ConsentsOf(ctx context.Context, customerIDs []string) ([][]Consent, error) {
	cur, err := s.consents().Find(ctx,
		bson.D{{Key: "customer_id", Value: bson.D{{Key: "$in", Value: customerIDs}}}},
		options.Find().SetSort(bson.D{{Key: "recorded_at", Value: -1}, {Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("find consents: %w", err)
	}
	var found []Consent
	if err := cur.All(ctx, &found); err != nil {
		return nil, fmt.Errorf("read consents: %w", err)
	}
	by := make(map[string][]Consent, len(customerIDs))
	for _, c := range found {
		by[c.CustomerID] = append(by[c.CustomerID], c)
	}
	out := make([][]Consent, len(customerIDs))
	for i, id := range customerIDs {
		out[i] = by[id]
	}
	return out, nil
}

// eraseConsents replaces the consent records of customerIDs by one
// tombstone per customer saying when they were erased. The tombstone's ID
// derives from the customer, so a re-run writes it once.
func (s *Store) eraseConsents(ctx context.Context, customerIDs []string, at time.Time) error {
	// The tombstones are consent records.
	if err := s.mark(ctx, markConsents, customerIDs); err != nil {
		return err
	}
	if _, err := s.consents().DeleteMany(ctx, bson.D{
		{Key: "customer_id", Value: bson.D{{Key: "$in", Value: customerIDs}}},
		{Key: "erased", Value: bson.D{{Key: "$ne", Value: true}}},
	}); err != nil {
		return fmt.Errorf("erase consents: %w", err)
	}
	docs := make([]any, len(customerIDs))
	for i, id := range customerIDs {
		docs[i] = Consent{ID: "cns_erased_" + hashID(id), CustomerID: id, RecordedAt: at.UTC().Truncate(time.Millisecond),
			Actor: "privacy", Source: "erasure", Erased: true}
	}
	if _, err := insertNew(ctx, s.consents(), docs); err != nil {
		return fmt.Errorf("write consent tombstones: %w", err)
	}
	return nil
}

// ConsentsFor returns out[i], the consent records that speak for
// customerIDs[i]: its own and those of the customers merged directly into
// it, newest first. The merged customers come from the keys documents
// (by _id); the records from one query on the consents collection, for
// the customers whose consents mark is set: none when no customer has one.
func (s *Store) ConsentsFor(ctx context.Context, customerIDs []string) ([][]Consent, error) {
	merged, err := s.MergedIDs(ctx, customerIDs)
	if err != nil {
		return nil, err
	}
	all := slices.Clone(customerIDs)
	for _, list := range merged {
		all = append(all, list...)
	}
	all = sortedUnique(all)
	marked, _, err := s.marked(ctx, all)
	if err != nil {
		return nil, err
	}
	all = slices.DeleteFunc(all, func(id string) bool { return !marked[id] })
	by := make(map[string][]Consent, len(all))
	if len(all) > 0 {
		found, err := s.ConsentsOf(ctx, all)
		if err != nil {
			return nil, err
		}
		for i, id := range all {
			by[id] = found[i]
		}
	}
	out := make([][]Consent, len(customerIDs))
	for i, id := range customerIDs {
		list := slices.Clone(by[id])
		for _, m := range merged[i] {
			list = append(list, by[m]...)
		}
		slices.SortStableFunc(list, func(a, b Consent) int {
			if c := b.RecordedAt.Compare(a.RecordedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		})
		out[i] = list
	}
	return out, nil
}
