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

const (
	suppressionsCollection = "suppressions"
	settingsCollection     = "settings"
)

// Suppression is one entry of the suppression list: an identifier or a
// native key of a person whose data was erased, as a salted hash (see
// package suppress). It holds no value.
type Suppression struct {
	// ID is the salted hash.
	ID string `bson:"_id"`
	// Kind is the identifier's kind, or KindExternalID for a native key.
	Kind string    `bson:"kind"`
	At   time.Time `bson:"at"`
	// Request is the privacy request that suppressed it.
	Request string `bson:"request,omitempty"`
}

func (s *Store) suppressions() *mongo.Collection {
	return s.customers.Database().Collection(suppressionsCollection)
}

func (s *Store) settings() *mongo.Collection {
	return s.customers.Database().Collection(settingsCollection)
}

// AddSuppressions inserts entries of the suppression list; those already
// there stay as they are.
func (s *Store) AddSuppressions(ctx context.Context, list []Suppression) error {
	if len(list) == 0 {
		return nil
	}
	docs := make([]any, len(list))
	for i := range list {
		docs[i] = list[i]
	}
	_, err := s.suppressions().InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil && !onlyDuplicates(err) {
		return fmt.Errorf("add suppressions: %w", err)
	}
	return nil
}

// SuppressionIDs returns every hash of the suppression list: a small
// collection, read whole when a gateway starts and when another replica
// adds to it.
func (s *Store) SuppressionIDs(ctx context.Context) ([]string, error) {
	cur, err := s.suppressions().Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("read suppressions: %w", err)
	}
	var found []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return nil, fmt.Errorf("read suppressions: %w", err)
	}
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = f.ID
	}
	return out, nil
}

// SuppressionSalt is the settings document of the suppression list: the
// check of its salt (an HMAC of a fixed text) and, when the configuration
// sets none, the salt the first replica generated.
type SuppressionSalt struct {
	ID    string `bson:"_id"`
	Check string `bson:"check"`
	// Salt is set only when the gateway generated it (hex).
	Salt string `bson:"salt,omitempty"`
}

const suppressionSaltID = "suppression_salt"

// GetSuppressionSalt returns the settings document of the suppression
// list's salt, nil when there is none yet.
func (s *Store) GetSuppressionSalt(ctx context.Context) (*SuppressionSalt, error) {
	var doc SuppressionSalt
	err := s.settings().FindOne(ctx, bson.D{{Key: "_id", Value: suppressionSaltID}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the suppression salt setting: %w", err)
	}
	return &doc, nil
}

// PutSuppressionSalt records doc (its ID is set here); when replace is
// false, a document already there wins (another replica was first) and is
// returned.
func (s *Store) PutSuppressionSalt(ctx context.Context, doc SuppressionSalt, replace bool) (*SuppressionSalt, error) {
	doc.ID = suppressionSaltID
	if replace {
		if _, err := s.settings().ReplaceOne(ctx, bson.D{{Key: "_id", Value: suppressionSaltID}}, doc, options.Replace().SetUpsert(true)); err != nil {
			return nil, fmt.Errorf("write the suppression salt setting: %w", err)
		}
		return &doc, nil
	}
	if _, err := s.settings().InsertOne(ctx, doc); err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return nil, fmt.Errorf("write the suppression salt setting: %w", err)
		}
		return s.GetSuppressionSalt(ctx)
	}
	return &doc, nil
}
