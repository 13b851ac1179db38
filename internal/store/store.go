package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collection names.
const (
	customersCollection  = "customers"
	identitiesCollection = "identities"
	historyCollection    = "identity_history"
	locksCollection      = "locks"
)

// Store is the profile store. It is safe for concurrent use.
type Store struct {
	client     *mongo.Client
	customers  *mongo.Collection
	identities *mongo.Collection
	history    *mongo.Collection
	locks      *mongo.Collection
	events     *mongo.Collection

	// ferret is set when the server is FerretDB: reads by many IDs are
	// then one find per ID (see byid.go).
	ferret bool
	// onChange hears which customers change (OnChange).
	onChange atomic.Pointer[func(context.Context, []string)]
	repairs  atomic.Int64

	commands sync.Map // "command collection" -> *atomic.Int64
}

// OnChange sets fn to hear, for every change of the store that a read of a
// customer depends on, the IDs of the customers concerned: identities,
// merges, splits, erasure, consents and stored activity. A change of the
// identity graph is heard twice, when it starts and when it is done. fn
// must not block; it is how caches of the store's reads (Cached) learn
// what to drop. Set it before the store serves.
func (s *Store) OnChange(fn func(ctx context.Context, customerIDs []string)) {
	s.onChange.Store(&fn)
}

// changed tells the change hook about ids.
func (s *Store) changed(ctx context.Context, ids []string) {
	if fn := s.onChange.Load(); fn != nil && *fn != nil && len(ids) > 0 {
		(*fn)(ctx, ids)
	}
}

// count records one command sent to the server, and how many of its
// statements filter on something else than _id alone.
func (s *Store) count(_ context.Context, e *event.CommandStartedEvent) {
	coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
	s.add(e.CommandName+" "+coll, 1)
	if n := scans(e.CommandName, e.Command); n > 0 {
		s.add("scan "+coll, int64(n))
	}
}

func (s *Store) add(key string, delta int64) {
	n, ok := s.commands.Load(key)
	if !ok {
		n, _ = s.commands.LoadOrStore(key, new(atomic.Int64))
	}
	n.(*atomic.Int64).Add(delta)
}

// scans counts the statements of a command whose filter is not an _id
// equality (FerretDB reads the whole collection for those; MongoDB may
// use an index).
func scans(name string, cmd bson.Raw) int {
	byID := func(filter bson.RawValue) bool {
		doc, ok := filter.DocumentOK()
		if !ok {
			return false
		}
		elems, err := doc.Elements()
		if err != nil || len(elems) != 1 || elems[0].Key() != "_id" {
			return false
		}
		_, isString := elems[0].Value().StringValueOK()
		return isString
	}
	statements := func(field, filter string) int {
		arr, ok := cmd.Lookup(field).ArrayOK()
		if !ok {
			return 0
		}
		vals, err := arr.Values()
		if err != nil {
			return 0
		}
		n := 0
		for _, v := range vals {
			if d, ok := v.DocumentOK(); ok && !byID(d.Lookup(filter)) {
				n++
			}
		}
		return n
	}
	switch name {
	case "find":
		if !byID(cmd.Lookup("filter")) {
			return 1
		}
	case "count":
		if !byID(cmd.Lookup("query")) {
			return 1
		}
	case "aggregate":
		return 1
	case "update":
		return statements("updates", "q")
	case "delete":
		return statements("deletes", "q")
	}
	return 0
}

// Scans returns how many statements the store sent for a collection since
// it opened whose filter was not an _id equality: on FerretDB, each read
// the whole collection.
func (s *Store) Scans(collection string) int64 { return s.Commands("scan", collection) }

// Commands returns how many commands of a kind ("find", "insert",
// "update"...) the store sent for a collection since it opened: the
// figure behind "one store round trip" claims.
func (s *Store) Commands(command, collection string) int64 {
	if n, ok := s.commands.Load(command + " " + collection); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

// Open connects to uri, checks that the server answers and creates the
// indexes. The database name defaults to the one in the URI, else "harmony".
func Open(ctx context.Context, uri, database string) (*Store, error) {
	s := &Store{}
	opts := options.Client().ApplyURI(uri).
		SetMonitor(&event.CommandMonitor{Started: s.count}).
		SetServerSelectionTimeout(5 * time.Second).
		SetConnectTimeout(5 * time.Second).
		SetAppName("harmony")
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("profile store uri: %w", err)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect profile store: %w", err)
	}
	if database == "" {
		database = "harmony"
	}
	db := client.Database(database)
	s.client = client
	s.customers = db.Collection(customersCollection)
	s.identities = db.Collection(identitiesCollection)
	s.history = db.Collection(historyCollection)
	s.locks = db.Collection(locksCollection)
	s.events = db.Collection(eventsCollection)
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if s.ferret, err = isFerretDB(ctx, db); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.ensureIndexes(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.backfillKeys(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// collections are every collection the store uses. Open creates them all,
// so that they exist before anything is written (the embedded store
// indexes what exists: embedded.Server.IndexIDs).
var collections = []string{customersCollection, identitiesCollection, historyCollection, locksCollection,
	eventsCollection, consentsCollection, auditCollection, privacyCollection, segmentsCollection,
	keysCollection, marksCollection, searchCollection, suppressionsCollection, settingsCollection,
	sourceRecordsCollection, sourceListingsCollection, journeyRunsCollection, journeyStateCollection}

// ensureCollections creates the collections that do not exist yet.
func (s *Store) ensureCollections(ctx context.Context) error {
	db := s.customers.Database()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	for _, name := range collections {
		if slices.Contains(names, name) {
			continue
		}
		err := db.CreateCollection(ctx, name)
		var ce mongo.CommandError
		if err != nil && (!errors.As(err, &ce) || ce.Code != 48) { // 48 NamespaceExists: created meanwhile
			return fmt.Errorf("create collection %s: %w", name, err)
		}
	}
	return nil
}

// IsFerretDB reports whether the store's server is FerretDB.
func (s *Store) IsFerretDB() bool { return s.ferret }

// Close disconnects.
func (s *Store) Close(ctx context.Context) error {
	return s.client.Disconnect(ctx)
}

// Ping checks that the store answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, nil); err != nil {
		return fmt.Errorf("profile store ping: %w", err)
	}
	return nil
}

func (s *Store) ensureIndexes(ctx context.Context) error {
	if err := s.ensureCollections(ctx); err != nil {
		return err
	}
	indexes := []struct {
		coll *mongo.Collection
		name string
		keys bson.D
	}{
		{s.identities, "customer_id", bson.D{{Key: "customer_id", Value: 1}}},
		{s.identities, "merge_ids", bson.D{{Key: "merge_ids", Value: 1}}},
		{s.customers, "merged_into", bson.D{{Key: "merged_into", Value: 1}}},
		{s.history, "customer_ids_at", bson.D{{Key: "customer_ids", Value: 1}, {Key: "at", Value: -1}}},
	}
	for _, ix := range indexes {
		if _, err := ix.coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys, Options: options.Index().SetName(ix.name)}); err != nil {
			return fmt.Errorf("create %s index %s: %w", ix.coll.Name(), ix.name, err)
		}
	}
	if err := s.ensureSearchIndexes(ctx); err != nil {
		return err
	}
	if err := s.ensureEventIndexes(ctx); err != nil {
		return err
	}
	if err := s.ensurePrivacyIndexes(ctx); err != nil {
		return err
	}
	return nil
}

// CustomersByID returns out[i] for ids[i], nil when no customer has that ID.
// One query on MongoDB, one _id lookup per ID on FerretDB.
func (s *Store) CustomersByID(ctx context.Context, ids []string) ([]*Customer, error) {
	byID, err := s.customersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Customer, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

func customerID(c *Customer) string { return c.ID }

// customersByID returns the customers among ids, by ID.
func (s *Store) customersByID(ctx context.Context, ids []string) (map[string]*Customer, error) {
	byID, err := findByIDs(ctx, s, s.customers, ids, nil, customerID)
	if err != nil {
		return nil, fmt.Errorf("find customers: %w", err)
	}
	return byID, nil
}

// IdentitiesOf returns out[i], the identities of customerIDs[i], ordered by
// kind, system and value. It reads each customer's keys document by _id
// (see keys.go), rebuilding the missing ones.
func (s *Store) IdentitiesOf(ctx context.Context, customerIDs []string) ([][]Identity, error) {
	docs, _, err := s.readKeys(ctx, customerIDs)
	if err != nil {
		return nil, err
	}
	out := make([][]Identity, len(customerIDs))
	for i, c := range customerIDs {
		if k := docs[c]; k != nil && len(k.Identities) > 0 {
			out[i] = slices.Clone(k.Identities)
		}
	}
	return out, nil
}

func identityID(i *Identity) string { return i.ID }

// Owners returns out[i], the identity whose ID is identityIDs[i], nil when
// nobody owns it. One query on MongoDB, one _id lookup per ID on FerretDB.
func (s *Store) Owners(ctx context.Context, identityIDs []string) ([]*Identity, error) {
	byID, err := findByIDs(ctx, s, s.identities, identityIDs, nil, identityID)
	if err != nil {
		return nil, fmt.Errorf("find identity owners: %w", err)
	}
	out := make([]*Identity, len(identityIDs))
	for i, id := range identityIDs {
		out[i] = byID[id]
	}
	return out, nil
}

// ListCustomers returns up to limit customers with IDs after the given one
// ("" for the start), in ID order.
func (s *Store) ListCustomers(ctx context.Context, after string, limit int) ([]Customer, error) {
	filter := bson.D{}
	if after != "" {
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	}
	cur, err := s.customers.Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("list customers: %w", err)
	}
	var out []Customer
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read customers: %w", err)
	}
	return out, nil
}

// CountCustomers counts the customers.
func (s *Store) CountCustomers(ctx context.Context) (int64, error) {
	n, err := s.customers.CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	return n, nil
}

// insertBatch bounds one insert command.
const insertBatch = 500

// insertNew inserts docs unordered, counting duplicates of _id as already
// there.
func insertNew(ctx context.Context, coll *mongo.Collection, docs []any) (int, error) {
	inserted := 0
	for start := 0; start < len(docs); start += insertBatch {
		chunk := docs[start:min(start+insertBatch, len(docs))]
		res, err := coll.InsertMany(ctx, chunk, options.InsertMany().SetOrdered(false))
		if res != nil {
			inserted += len(res.InsertedIDs)
		}
		if err != nil && !onlyDuplicates(err) {
			return inserted, err
		}
		if err != nil && res == nil {
			inserted += len(chunk) - duplicateCount(err)
		}
	}
	return inserted, nil
}

func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) {
		return false
	}
	if bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return true
}

// insertEach inserts docs unordered, insertBatch at a time, and reports
// for each whether it was inserted: inserted[i] is false when a document
// with its _id was there already. On error, some documents may be
// inserted and others not; inserting them again is safe.
func insertEach(ctx context.Context, coll *mongo.Collection, docs []any) (inserted []bool, err error) {
	inserted = make([]bool, len(docs))
	for start := 0; start < len(docs); start += insertBatch {
		chunk := docs[start:min(start+insertBatch, len(docs))]
		for i := range chunk {
			inserted[start+i] = true
		}
		_, err := coll.InsertMany(ctx, chunk, options.InsertMany().SetOrdered(false))
		if err == nil {
			continue
		}
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || !onlyDuplicates(err) {
			return nil, err
		}
		for _, we := range bwe.WriteErrors {
			if we.Index < 0 || we.Index >= len(chunk) {
				return nil, fmt.Errorf("duplicate reported at index %d of %d", we.Index, len(chunk))
			}
			inserted[start+we.Index] = false
		}
	}
	return inserted, nil
}

func duplicateCount(err error) int {
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) {
		return len(bwe.WriteErrors)
	}
	return 0
}
