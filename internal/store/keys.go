package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The keys document of a customer (collection customer_keys, _id the
// customer's ID) holds what a read of the customer needs from the identity
// graph: its identities, and the customers merged directly into it. It is
// a copy of what the identities and customers collections say, kept so
// that a read costs one _id lookup instead of queries on customer_id and
// merged_into, which FerretDB answers by decoding whole collections.
//
// The rules that keep it true, without multi-document transactions:
//
//   - It is written only by a request holding the customer's change lock
//     (see lock). Every change of the identities or merges of a customer
//     holds that lock too, but for sync inserting new identities, which
//     takes it in bulk (lockMany).
//   - A change drops the document before it changes anything and writes it
//     again after (rekeying), so a change interrupted half way leaves no
//     document rather than a stale one.
//   - A missing document is never guessed: the reader rebuilds it from the
//     identities and customers collections, under the lock (repairKeys);
//     when another request holds the lock, the reader answers from those
//     collections and leaves the document to the lock's holder.
//
// The change hook (OnChange) hears of each change twice, when it starts
// and when it ends, so that caches stop serving a customer while it
// changes.

const keysCollection = "customer_keys"

// keysDoc is a customer's keys document.
type keysDoc struct {
	ID string `bson:"_id"`
	// Identities are ordered by kind, system and value.
	Identities []Identity `bson:"identities"`
	// Merged are the customers merged directly into this one, ordered.
	Merged []string `bson:"merged"`
}

func keysID(k *keysDoc) string { return k.ID }

func (s *Store) keys() *mongo.Collection {
	return s.customers.Database().Collection(keysCollection)
}

// sortIdentities orders identities as IdentitiesOf returns them.
func sortIdentities(ids []Identity) {
	slices.SortFunc(ids, func(a, b Identity) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.System, b.System), cmp.Compare(a.Value, b.Value), cmp.Compare(a.ID, b.ID))
	})
}

// buildKeys reads the keys of ids from the identities and customers
// collections: two queries, whatever the number of customers, each of
// which FerretDB answers by reading its whole collection.
func (s *Store) buildKeys(ctx context.Context, ids []string) (map[string]*keysDoc, error) {
	out := make(map[string]*keysDoc, len(ids))
	for _, id := range ids {
		out[id] = &keysDoc{ID: id, Identities: []Identity{}, Merged: []string{}}
	}
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := s.identities.Find(ctx, bson.D{{Key: "customer_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, fmt.Errorf("find identities: %w", err)
	}
	var idents []Identity
	if err := cur.All(ctx, &idents); err != nil {
		return nil, fmt.Errorf("read identities: %w", err)
	}
	for _, idn := range idents {
		if k := out[idn.CustomerID]; k != nil {
			k.Identities = append(k.Identities, idn)
		}
	}
	cur, err = s.customers.Find(ctx, bson.D{{Key: "merged_into", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "merged_into", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find merged customers: %w", err)
	}
	var merged []Customer
	if err := cur.All(ctx, &merged); err != nil {
		return nil, fmt.Errorf("read merged customers: %w", err)
	}
	for _, c := range merged {
		if k := out[c.MergedInto]; k != nil {
			k.Merged = append(k.Merged, c.ID)
		}
	}
	for _, k := range out {
		sortIdentities(k.Identities)
		slices.Sort(k.Merged)
	}
	return out, nil
}

// putKeys writes keys documents, replacing what is there. The caller holds
// the customers' locks.
func (s *Store) putKeys(ctx context.Context, docs []*keysDoc) error {
	models := make([]mongo.WriteModel, 0, len(docs))
	for _, k := range docs {
		models = append(models, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: k.ID}}).
			SetReplacement(k).SetUpsert(true))
	}
	if err := bulkByID(ctx, s.keys(), models); err != nil {
		return fmt.Errorf("write customer keys: %w", err)
	}
	return nil
}

// dropKeys deletes the keys documents of ids.
func (s *Store) dropKeys(ctx context.Context, ids []string) error {
	models := make([]mongo.WriteModel, 0, len(ids))
	for _, id := range ids {
		models = append(models, mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}))
	}
	if err := bulkByID(ctx, s.keys(), models); err != nil {
		return fmt.Errorf("drop customer keys: %w", err)
	}
	return nil
}

// rekeyTimeout bounds the writing of keys documents after a change, which
// runs even when the request that made the change is gone: the change is
// done, its keys must follow.
const rekeyTimeout = 30 * time.Second

// rekeying frames a change of the identity graph touching customers ids,
// whose locks the caller holds: the change hook hears of it, the keys
// documents of ids are dropped, change runs and returns the new keys
// documents (computed from the old ones, read under the locks, and what it
// did), they are written and the hook hears of it again. A document
// change leaves out (nil), and every document when change fails half way,
// is rebuilt from the collections instead: it says what they say.
func (s *Store) rekeying(ctx context.Context, ids []string, change func() (map[string]*keysDoc, error)) error {
	ids = sortedUnique(ids)
	s.changed(ctx, ids)
	if err := s.dropKeys(ctx, ids); err != nil {
		return err
	}
	next, err := change()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rekeyTimeout)
	defer cancel()
	var put []*keysDoc
	var rebuild []string
	for _, id := range ids {
		if k := next[id]; err == nil && k != nil {
			k.ID = id
			k.normalize()
			put = append(put, k)
		} else {
			rebuild = append(rebuild, id)
		}
	}
	var kerr error
	if len(rebuild) > 0 {
		var built map[string]*keysDoc
		if built, kerr = s.buildKeys(rctx, rebuild); kerr == nil {
			put = append(put, mapValues(built, rebuild)...)
		}
	}
	if kerr == nil {
		kerr = s.putKeys(rctx, put)
	}
	s.changed(rctx, ids)
	if err != nil {
		return err
	}
	return kerr
}

// clone returns a copy of k that shares nothing with it.
func (k *keysDoc) clone() *keysDoc {
	out := &keysDoc{ID: k.ID, Identities: make([]Identity, len(k.Identities)), Merged: slices.Clone(k.Merged)}
	for i, idn := range k.Identities {
		idn.MergedFrom, idn.MergeIDs = slices.Clone(idn.MergedFrom), slices.Clone(idn.MergeIDs)
		out.Identities[i] = idn
	}
	return out
}

// without drops the identities with the given IDs.
func (k *keysDoc) without(ids ...string) *keysDoc {
	k.Identities = slices.DeleteFunc(k.Identities, func(idn Identity) bool { return slices.Contains(ids, idn.ID) })
	return k
}

// with adds identities, replacing those with the same IDs.
func (k *keysDoc) with(idents ...Identity) *keysDoc {
	for _, idn := range idents {
		k.without(idn.ID)
		k.Identities = append(k.Identities, idn)
	}
	return k
}

// normalize orders identities and merged customers as they are stored,
// with empty lists rather than none.
func (k *keysDoc) normalize() {
	if k.Identities == nil {
		k.Identities = []Identity{}
	}
	sortIdentities(k.Identities)
	k.Merged = sortedUnique(k.Merged)
	if k.Merged == nil {
		k.Merged = []string{}
	}
}

// lockedKeys returns the keys documents of ids, whose locks the caller
// holds: an existing customer's missing document is rebuilt from the
// collections and written; a customer that does not exist (yet) gets an
// empty one, not written.
func (s *Store) lockedKeys(ctx context.Context, ids []string) (map[string]*keysDoc, error) {
	found, err := findByIDs(ctx, s, s.keys(), ids, nil, keysID)
	if err != nil {
		return nil, fmt.Errorf("find customer keys: %w", err)
	}
	var missing []string
	for _, id := range sortedUnique(ids) {
		if found[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return found, nil
	}
	exist, err := s.customersByID(ctx, missing)
	if err != nil {
		return nil, err
	}
	var build []string
	for _, id := range missing {
		if exist[id] == nil {
			found[id] = &keysDoc{ID: id, Identities: []Identity{}, Merged: []string{}}
		} else {
			build = append(build, id)
		}
	}
	if len(build) == 0 {
		return found, nil
	}
	built, err := s.buildKeys(ctx, build)
	if err != nil {
		return nil, err
	}
	if err := s.putKeys(ctx, mapValues(built, build)); err != nil {
		return nil, err
	}
	for id, k := range built {
		found[id] = k
	}
	return found, nil
}

// repairWait bounds how long a reader waits for the lock of a customer
// whose keys document is missing before it answers from the collections
// without writing the document.
const repairWait = 250 * time.Millisecond

// readKeys returns the keys documents of ids: out[id] for each existing
// customer (and for IDs with a keys document). A missing document of an
// existing customer is rebuilt under the customer's lock (repairKeys).
// fresh is false when some answer was read from the collections while
// another request held a lock: it is true now but may not stay so, and
// must not be cached.
func (s *Store) readKeys(ctx context.Context, ids []string) (out map[string]*keysDoc, fresh bool, err error) {
	out, err = findByIDs(ctx, s, s.keys(), ids, nil, keysID)
	if err != nil {
		return nil, false, fmt.Errorf("find customer keys: %w", err)
	}
	var missing []string
	for _, id := range sortedUnique(ids) {
		if out[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, true, nil
	}
	// Only customers that exist get a document: an ID nobody holds has no
	// keys, and asking for it writes nothing.
	exist, err := s.customersByID(ctx, missing)
	if err != nil {
		return nil, false, err
	}
	missing = slices.DeleteFunc(missing, func(id string) bool { return exist[id] == nil })
	if len(missing) == 0 {
		return out, true, nil
	}
	repaired, fresh, err := s.repairKeys(ctx, missing)
	if err != nil {
		return nil, false, err
	}
	for id, k := range repaired {
		out[id] = k
	}
	return out, fresh, nil
}

// repairKeys rebuilds missing keys documents under the customers' locks.
// When a lock is held by another request (a change under way), it answers
// from the collections, writes nothing and reports fresh false.
func (s *Store) repairKeys(ctx context.Context, ids []string) (map[string]*keysDoc, bool, error) {
	s.repairs.Add(int64(len(ids)))
	release, err := s.lockWithin(ctx, ids, repairWait)
	if errors.Is(err, ErrBusy) {
		built, err := s.buildKeys(ctx, ids)
		return built, false, err
	}
	if err != nil {
		return nil, false, err
	}
	defer release()
	found, err := s.lockedKeys(ctx, ids)
	return found, err == nil, err
}

// Repairs returns how many keys documents readers found missing and
// rebuilt (or read from the collections) since the store opened.
func (s *Store) Repairs() int64 { return s.repairs.Load() }

// sortedUnique returns ids sorted, without duplicates or empty IDs, in a
// new slice.
func sortedUnique(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	return out
}

// mapValues returns m[k] for each k of keys that m holds.
func mapValues[V any](m map[string]*V, keys []string) []*V {
	out := make([]*V, 0, len(keys))
	for _, k := range keys {
		if v := m[k]; v != nil {
			out = append(out, v)
		}
	}
	return out
}

// backfillMark is the mark (customer_marks) saying that every customer has
// had a keys document: written once, after the first start of a version
// that keeps them built one for every customer.
const backfillMark = "_keys_backfilled_v1"

// backfillKeys builds the keys document of every customer that has none,
// once per store: a store written by a version without them has none.
// Two queries (the identities and customers collections, read once each)
// and bulk inserts; a document already there is kept. It runs at Open,
// before the gateway serves: a deployment upgrading replicas starts one
// first.
func (s *Store) backfillKeys(ctx context.Context) error {
	done, err := findByIDs(ctx, s, s.marks(), []string{backfillMark}, nil, func(m *markDoc) string { return m.ID })
	if err != nil {
		return fmt.Errorf("find keys backfill mark: %w", err)
	}
	if done[backfillMark] != nil {
		return nil
	}
	docs := map[string]*keysDoc{}
	doc := func(id string) *keysDoc {
		k := docs[id]
		if k == nil {
			k = &keysDoc{ID: id, Identities: []Identity{}, Merged: []string{}}
			docs[id] = k
		}
		return k
	}
	cur, err := s.customers.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "merged_into", Value: 1}}))
	if err != nil {
		return fmt.Errorf("backfill keys: %w", err)
	}
	for cur.Next(ctx) {
		var c Customer
		if err := cur.Decode(&c); err != nil {
			return fmt.Errorf("backfill keys: %w", err)
		}
		doc(c.ID)
		if c.MergedInto != "" {
			m := doc(c.MergedInto)
			m.Merged = append(m.Merged, c.ID)
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("backfill keys: %w", err)
	}
	if cur, err = s.identities.Find(ctx, bson.D{}); err != nil {
		return fmt.Errorf("backfill keys: %w", err)
	}
	for cur.Next(ctx) {
		var idn Identity
		if err := cur.Decode(&idn); err != nil {
			return fmt.Errorf("backfill keys: %w", err)
		}
		if k := docs[idn.CustomerID]; k != nil {
			k.Identities = append(k.Identities, idn)
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("backfill keys: %w", err)
	}
	ids := make([]string, 0, len(docs))
	for id := range docs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	batch := make([]any, 0, insertBatch)
	for i, id := range ids {
		k := docs[id]
		sortIdentities(k.Identities)
		slices.Sort(k.Merged)
		batch = append(batch, k)
		if len(batch) == insertBatch || i == len(ids)-1 {
			if _, err := insertNew(ctx, s.keys(), batch); err != nil {
				return fmt.Errorf("backfill keys: %w", err)
			}
			batch = batch[:0]
		}
	}
	if _, err := insertNew(ctx, s.marks(), []any{markDoc{ID: backfillMark}}); err != nil {
		return fmt.Errorf("backfill keys: %w", err)
	}
	return nil
}
