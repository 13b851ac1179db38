package store

import (
	"context"
	"errors"
	"fmt"
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

	commands sync.Map // "command collection" -> *atomic.Int64
}

// count records one command sent to the server.
func (s *Store) count(_ context.Context, e *event.CommandStartedEvent) {
	coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
	key := e.CommandName + " " + coll
	n, ok := s.commands.Load(key)
	if !ok {
		n, _ = s.commands.LoadOrStore(key, new(atomic.Int64))
	}
	n.(*atomic.Int64).Add(1)
}

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
	if err := s.ensureIndexes(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

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
// One query.
func (s *Store) CustomersByID(ctx context.Context, ids []string) ([]*Customer, error) {
	cur, err := s.customers.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, fmt.Errorf("find customers: %w", err)
	}
	var found []Customer
	if err := cur.All(ctx, &found); err != nil {
		return nil, fmt.Errorf("read customers: %w", err)
	}
	byID := make(map[string]*Customer, len(found))
	for i := range found {
		byID[found[i].ID] = &found[i]
	}
	out := make([]*Customer, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// IdentitiesOf returns out[i], the identities of customerIDs[i], ordered by
// kind, system and value. One query.
func (s *Store) IdentitiesOf(ctx context.Context, customerIDs []string) ([][]Identity, error) {
	cur, err := s.identities.Find(ctx,
		bson.D{{Key: "customer_id", Value: bson.D{{Key: "$in", Value: customerIDs}}}},
		options.Find().SetSort(bson.D{{Key: "kind", Value: 1}, {Key: "system", Value: 1}, {Key: "value", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find identities: %w", err)
	}
	var found []Identity
	if err := cur.All(ctx, &found); err != nil {
		return nil, fmt.Errorf("read identities: %w", err)
	}
	byCustomer := make(map[string][]Identity, len(customerIDs))
	for _, id := range found {
		byCustomer[id.CustomerID] = append(byCustomer[id.CustomerID], id)
	}
	out := make([][]Identity, len(customerIDs))
	for i, c := range customerIDs {
		out[i] = byCustomer[c]
	}
	return out, nil
}

// Owners returns out[i], the identity whose ID is identityIDs[i], nil when
// nobody owns it. One query.
func (s *Store) Owners(ctx context.Context, identityIDs []string) ([]*Identity, error) {
	cur, err := s.identities.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: identityIDs}}}})
	if err != nil {
		return nil, fmt.Errorf("find identity owners: %w", err)
	}
	var found []Identity
	if err := cur.All(ctx, &found); err != nil {
		return nil, fmt.Errorf("read identity owners: %w", err)
	}
	byID := make(map[string]*Identity, len(found))
	for i := range found {
		byID[found[i].ID] = &found[i]
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

// AddCustomers inserts customers that do not exist yet and returns how many
// were new. Existing ones are left untouched.
func (s *Store) AddCustomers(ctx context.Context, cs []Customer) (int, error) {
	docs := make([]any, len(cs))
	for i := range cs {
		docs[i] = cs[i]
	}
	n, err := insertNew(ctx, s.customers, docs)
	if err != nil {
		return n, fmt.Errorf("add customers: %w", err)
	}
	return n, nil
}

// AddIdentities inserts identities nobody owns yet and returns how many were
// new. An identity already owned, by this customer or another, is left as
// it is: a link never moves silently.
func (s *Store) AddIdentities(ctx context.Context, ids []Identity) (int, error) {
	docs := make([]any, len(ids))
	for i := range ids {
		docs[i] = ids[i]
	}
	n, err := insertNew(ctx, s.identities, docs)
	if err != nil {
		return n, fmt.Errorf("add identities: %w", err)
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

func duplicateCount(err error) int {
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) {
		return len(bwe.WriteErrors)
	}
	return 0
}
