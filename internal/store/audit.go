package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const auditCollection = "audit"

// AuditEntry records one operation that read personal data or ran a
// mutation: who, what and when. It never holds values or variables: field
// coordinates (Customer.email) and customer IDs only.
type AuditEntry struct {
	// ID sorts by time: "aud_", the start time in nanoseconds (19 digits),
	// and random hex.
	ID            string    `bson:"_id"`
	At            time.Time `bson:"at"`
	Actor         string    `bson:"actor"`
	OperationName string    `bson:"operation_name,omitempty"`
	OperationType string    `bson:"operation_type"`
	Mutations     []string  `bson:"mutations,omitempty"`
	PIIFields     []string  `bson:"pii_fields,omitempty"`
	CustomerIDs   []string  `bson:"customer_ids,omitempty"`
	RequestID     string    `bson:"request_id,omitempty"`
}

// NewAuditID returns an audit entry ID for an operation started at at.
func NewAuditID(at time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("aud_%019d%s", at.UnixNano(), hex.EncodeToString(b[:]))
}

func (s *Store) audit() *mongo.Collection {
	return s.customers.Database().Collection(auditCollection)
}

// AddAudit inserts entries in one command (at most insertBatch of them).
func (s *Store) AddAudit(ctx context.Context, entries []AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	docs := make([]any, len(entries))
	for i := range entries {
		entries[i].At = entries[i].At.UTC().Truncate(time.Millisecond)
		docs[i] = entries[i]
	}
	if _, err := insertNew(ctx, s.audit(), docs); err != nil {
		return fmt.Errorf("write audit entries: %w", err)
	}
	return nil
}

// AuditQuery selects audit entries.
type AuditQuery struct {
	Actor      string // "" for every caller
	CustomerID string // "" for every customer
	Before     string // entries with IDs below this one; "" for the newest
	Limit      int
}

// AuditLog returns up to q.Limit entries, newest first. One query.
func (s *Store) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	f := bson.D{}
	if q.Actor != "" {
		f = append(f, bson.E{Key: "actor", Value: q.Actor})
	}
	if q.CustomerID != "" {
		f = append(f, bson.E{Key: "customer_ids", Value: q.CustomerID})
	}
	if q.Before != "" {
		f = append(f, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.Before}}})
	}
	cur, err := s.audit().Find(ctx, f, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(q.Limit)))
	if err != nil {
		return nil, fmt.Errorf("find audit entries: %w", err)
	}
	out := []AuditEntry{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read audit entries: %w", err)
	}
	return out, nil
}
