package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The identity sync's snapshot of each system's records: what linking
// needs of every record as the system last listed it, and when that
// listing was complete. With it a sync can list only what changed, or
// stand in for a system whose listing fails (package identity).
const (
	sourceRecordsCollection  = "source_records"
	sourceListingsCollection = "source_listings"
)

// SourceRecord is one system's record reduced to what linking needs. It is
// personal data: an erasure deletes it (EraseSourceRecords), and records
// carrying an erased person's key or identifier are never written.
type SourceRecord struct {
	// ID is SourceRecordID(System, Key): no value of the record in the
	// document's key.
	ID     string      `bson:"_id"`
	System string      `bson:"system"`
	Key    string      `bson:"key"`
	Refs   []RecordRef `bson:"refs,omitempty"`
	Given  string      `bson:"given,omitempty"`
	Family string      `bson:"family,omitempty"`
	Birth  string      `bson:"birth,omitempty"`
	// Updated is the record's own last-change time, when its system
	// gives one.
	Updated time.Time `bson:"updated,omitempty"`
	// IdentityIDs are the IdentityID of each ref, so that an erasure
	// finds the records carrying one of a person's identifiers.
	IdentityIDs []string `bson:"identity_ids,omitempty"`
}

// RecordRef is one identifier value of a SourceRecord, normalised, with its
// status (StatusMatch, StatusBlocked or StatusUnnormalized).
type RecordRef struct {
	Kind   string `bson:"kind"`
	Value  string `bson:"value"`
	Status string `bson:"status"`
}

// SourceRecordID is the _id of a system's record in the snapshot.
func SourceRecordID(system, key string) string {
	h := sha256.Sum256([]byte(system + "\x00" + key))
	return hex.EncodeToString(h[:16])
}

// SourceListing is the state of one system's snapshot.
type SourceListing struct {
	// System is the connector's name (the document's _id).
	System string `bson:"_id"`
	// Full is when the last complete listing of every record started.
	Full time.Time `bson:"full"`
	// Through is when the last complete listing (of every record, or of
	// the changes since the one before) started: the snapshot holds every
	// change made before it.
	Through time.Time `bson:"through"`
	// Policy fingerprints the normalisation the records were reduced
	// under; a snapshot of another is listed again whole.
	Policy string `bson:"policy,omitempty"`
}

func (s *Store) sourceRecords() *mongo.Collection {
	return s.customers.Database().Collection(sourceRecordsCollection)
}

func (s *Store) sourceListings() *mongo.Collection {
	return s.customers.Database().Collection(sourceListingsCollection)
}

// SourceListing returns the state of system's snapshot; ok is false when
// no listing of it completed yet.
func (s *Store) SourceListing(ctx context.Context, system string) (SourceListing, bool, error) {
	var l SourceListing
	err := s.sourceListings().FindOne(ctx, idFilter(system)).Decode(&l)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return SourceListing{}, false, nil
	}
	if err != nil {
		return SourceListing{}, false, fmt.Errorf("find source listing: %w", err)
	}
	return l, true, nil
}

// SourceRecords returns every record of system's snapshot. It reads the
// collection through a filter on system, which FerretDB answers by a scan:
// the sync reads it once per process, never the request path.
func (s *Store) SourceRecords(ctx context.Context, system string) ([]SourceRecord, error) {
	cur, err := s.sourceRecords().Find(ctx, bson.D{{Key: "system", Value: system}})
	if err != nil {
		return nil, fmt.Errorf("find source records: %w", err)
	}
	var out []SourceRecord
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read source records: %w", err)
	}
	return out, nil
}

// SaveSourceRecords writes a listing's changes to system's snapshot: put
// replaces or inserts records, drop deletes records by key. The listing
// state is written last, so a snapshot interrupted half-way is re-listed
// from the state before it (every step can be re-run).
func (s *Store) SaveSourceRecords(ctx context.Context, l SourceListing, put []SourceRecord, drop []string) error {
	models := make([]mongo.WriteModel, 0, len(put))
	for i := range put {
		r := put[i]
		r.ID = SourceRecordID(r.System, r.Key)
		models = append(models, mongo.NewReplaceOneModel().SetFilter(idFilter(r.ID)).SetReplacement(r).SetUpsert(true))
	}
	for _, key := range drop {
		models = append(models, mongo.NewDeleteOneModel().SetFilter(idFilter(SourceRecordID(l.System, key))))
	}
	if err := bulkByID(ctx, s.sourceRecords(), models); err != nil {
		return fmt.Errorf("save source records: %w", err)
	}
	_, err := s.sourceListings().ReplaceOne(ctx, idFilter(l.System), l, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save source listing: %w", err)
	}
	return nil
}

// EraseSourceRecords deletes from every snapshot the records of a person:
// those with one of the native keys (by system) and those carrying one of
// the identities (by IdentityID). It returns how many it deleted.
func (s *Store) EraseSourceRecords(ctx context.Context, keys map[string][]string, identityIDs []string) (int64, error) {
	var n int64
	var ids []string
	for system, list := range keys {
		for _, k := range list {
			ids = append(ids, SourceRecordID(system, k))
		}
	}
	if len(ids) > 0 {
		res, err := s.sourceRecords().DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return n, fmt.Errorf("erase source records: %w", err)
		}
		n += res.DeletedCount
	}
	if len(identityIDs) > 0 {
		res, err := s.sourceRecords().DeleteMany(ctx, bson.D{{Key: "identity_ids", Value: bson.D{{Key: "$in", Value: identityIDs}}}})
		if err != nil {
			return n, fmt.Errorf("erase source records: %w", err)
		}
		n += res.DeletedCount
	}
	return n, nil
}
