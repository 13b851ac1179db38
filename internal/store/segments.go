package store

import (
	"bytes"
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

const segmentsCollection = "segments"

// Segment is a saved Filter under a unique name.
type Segment struct {
	// ID is SegmentID(Name).
	ID        string    `bson:"_id"`
	Name      string    `bson:"name"`
	Filter    Filter    `bson:"filter"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// SegmentID derives a segment's ID from its name, so saving under a name
// twice is one document and the ID reveals nothing of the name.
func SegmentID(name string) string {
	h := sha256.Sum256([]byte("segment\x00" + name))
	return "seg_" + hex.EncodeToString(h[:12])
}

func (s *Store) segments() *mongo.Collection {
	return s.customers.Database().Collection(segmentsCollection)
}

// SaveSegment creates the segment called name, or replaces its filter. It is
// idempotent: saving the same filter again changes nothing, UpdatedAt
// included. One document write.
func (s *Store) SaveSegment(ctx context.Context, name string, f Filter, now time.Time) (*Segment, error) {
	f = f.canonical()
	id := SegmentID(name)
	old, err := s.Segment(ctx, id)
	if err != nil {
		return nil, err
	}
	if old != nil && sameFilter(old.Filter, f) {
		return old, nil
	}
	seg := Segment{ID: id, Name: name, Filter: f, UpdatedAt: now.UTC().Truncate(time.Millisecond)}
	_, err = s.segments().ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, seg, options.Replace().SetUpsert(true))
	if err != nil {
		return nil, fmt.Errorf("save segment: %w", err)
	}
	return &seg, nil
}

// Segment returns the segment with that ID, nil when there is none.
func (s *Store) Segment(ctx context.Context, id string) (*Segment, error) {
	var seg Segment
	err := s.segments().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&seg)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find segment: %w", err)
	}
	return &seg, nil
}

// Segments returns every segment, by name.
func (s *Store) Segments(ctx context.Context) ([]Segment, error) {
	cur, err := s.segments().Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "name", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	out := []Segment{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read segments: %w", err)
	}
	return out, nil
}

// DeleteSegment deletes a segment and reports whether it existed.
func (s *Store) DeleteSegment(ctx context.Context, id string) (bool, error) {
	res, err := s.segments().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return false, fmt.Errorf("delete segment: %w", err)
	}
	return res.DeletedCount > 0, nil
}

// canonical is f as the store keeps it: times in UTC at millisecond
// precision, no empty lists.
func (f Filter) canonical() Filter {
	if f.OrderedSince != nil {
		t := f.OrderedSince.UTC().Truncate(time.Millisecond)
		f.OrderedSince = &t
	}
	if len(f.InSystems) == 0 {
		f.InSystems = nil
	}
	return f
}

// sameFilter compares two filters as stored.
func sameFilter(a, b Filter) bool {
	ba, errA := bson.Marshal(a.canonical())
	bb, errB := bson.Marshal(b.canonical())
	return errA == nil && errB == nil && bytes.Equal(ba, bb)
}
