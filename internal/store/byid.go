package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// FerretDB v1 sends to its backend only a filter made of _id alone, with a
// string value; `_id: {$in: [...]}`, like any other filter, reads and
// decodes the whole collection. MongoDB answers `$in` on _id from its
// primary index. So a read of many documents by ID is one `$in` query on
// MongoDB and one find per ID, a few at a time, on FerretDB.

// byIDParallel bounds the finds one read by ID keeps in flight on FerretDB.
const byIDParallel = 8

// isFerretDB asks the server whether it is FerretDB (its buildInfo has a
// ferretdbVersion).
func isFerretDB(ctx context.Context, db *mongo.Database) (bool, error) {
	var info bson.M
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, fmt.Errorf("profile store build info: %w", err)
	}
	_, ok := info["ferretdbVersion"]
	return ok, nil
}

// findByIDs returns the documents of coll whose _id is among ids, by _id;
// ids absent from the collection are absent from the map. projection may be
// nil.
func findByIDs[T any](ctx context.Context, s *Store, coll *mongo.Collection, ids []string, projection bson.D, idOf func(*T) string) (map[string]*T, error) {
	out := make(map[string]*T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if !s.ferret {
		opts := options.Find()
		if projection != nil {
			opts.SetProjection(projection)
		}
		cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, opts)
		if err != nil {
			return nil, err
		}
		var found []T
		if err := cur.All(ctx, &found); err != nil {
			return nil, err
		}
		for i := range found {
			out[idOf(&found[i])] = &found[i]
		}
		return out, nil
	}
	opts := options.FindOne()
	if projection != nil {
		opts.SetProjection(projection)
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan string)
	for range min(byIDParallel, len(ids)) {
		wg.Go(func() {
			for id := range next {
				var doc T
				err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Decode(&doc)
				mu.Lock()
				switch {
				case err == nil:
					out[id] = &doc
				case errors.Is(err, mongo.ErrNoDocuments):
				case firstErr == nil:
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if ctx.Err() != nil {
			break
		}
		next <- id
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// writeBatch bounds the statements of one bulk write. FerretDB v1 keeps
// every statement's SQLite cursor open until the command ends, from a
// pool of 100 connections: a command of 100 statements or more waits
// forever.
const writeBatch = 50

// bulkByID runs models in unordered bulk writes of writeBatch statements.
func bulkByID(ctx context.Context, coll *mongo.Collection, models []mongo.WriteModel) error {
	for start := 0; start < len(models); start += writeBatch {
		chunk := models[start:min(start+writeBatch, len(models))]
		if _, err := coll.BulkWrite(ctx, chunk, options.BulkWrite().SetOrdered(false)); err != nil {
			return err
		}
	}
	return nil
}

// idFilter selects the document with that _id: the one filter FerretDB
// does not answer by reading the whole collection.
func idFilter(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// readIDs reads the _id of every document of cur (a find projected on
// _id), in order.
func readIDs(ctx context.Context, cur *mongo.Cursor) ([]string, error) {
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out, nil
}
