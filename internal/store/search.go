package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The search projection: a `search` sub-document on each customer, written
// by the search indexer (package internal/search) and read by
// SearchCustomers. It holds what analysts filter on and cannot be asked of
// the channel systems for all customers at once. A customer never indexed
// has no `search` field and matches no condition on it.

// SearchProjection is the `search` sub-document of a customer.
type SearchProjection struct {
	// Names are the folded (lower-case, accent-free) given and family names,
	// and their words, from every system's record of the customer.
	Names []string `bson:"names"`
	// Systems are the connector names holding a record of the customer.
	Systems []string `bson:"systems"`
	// OrderCount counts orders across every order system.
	OrderCount int `bson:"order_count"`
	// LastOrderAt is the newest order's time; nil without orders.
	LastOrderAt *time.Time `bson:"last_order_at,omitempty"`
	// Spend is the sum of order totals per ISO 4217 code, in major units.
	Spend map[string]float64 `bson:"spend"`
	// IndexedAt is when the projection was last written.
	IndexedAt time.Time `bson:"indexed_at"`
}

// SearchProjections returns out[i], the projection of customerIDs[i], nil
// when the customer has none or does not exist. One query.
func (s *Store) SearchProjections(ctx context.Context, customerIDs []string) ([]*SearchProjection, error) {
	cur, err := s.customers.Find(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: customerIDs}}}},
		options.Find().SetProjection(bson.D{{Key: "search", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find search projections: %w", err)
	}
	var found []struct {
		ID     string            `bson:"_id"`
		Search *SearchProjection `bson:"search"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return nil, fmt.Errorf("read search projections: %w", err)
	}
	byID := make(map[string]*SearchProjection, len(found))
	for _, f := range found {
		byID[f.ID] = f.Search
	}
	out := make([]*SearchProjection, len(customerIDs))
	for i, id := range customerIDs {
		out[i] = byID[id]
	}
	return out, nil
}

// SetSearchProjections replaces the `search` sub-document of each customer
// in byCustomer, in bulk writes of single-document updates (one per
// updateBatch customers). A customer that does not exist is not created.
func (s *Store) SetSearchProjections(ctx context.Context, byCustomer map[string]SearchProjection) error {
	if len(byCustomer) == 0 {
		return nil
	}
	ids := make([]string, 0, len(byCustomer))
	for id := range byCustomer {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for start := 0; start < len(ids); start += updateBatch {
		chunk := ids[start:min(start+updateBatch, len(ids))]
		models := make([]mongo.WriteModel, len(chunk))
		for i, id := range chunk {
			models[i] = mongo.NewUpdateOneModel().
				SetFilter(bson.D{{Key: "_id", Value: id}}).
				SetUpdate(bson.D{{Key: "$set", Value: bson.D{{Key: "search", Value: byCustomer[id]}}}})
		}
		if _, err := s.customers.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return fmt.Errorf("write search projections: %w", err)
		}
	}
	return nil
}

// updateBatch bounds the statements of one update command. FerretDB v1
// keeps every statement's SQLite cursor open until the command ends, from a
// pool of 100 connections: a command of 100 statements or more waits forever.
const updateBatch = 50

// Filter selects customers. Every condition set must hold; the zero Filter
// selects every active customer. Values are normalised by the caller (see
// the field comments); the store only builds the query.
type Filter struct {
	// Identifier: the customer owns this identifier.
	Identifier *FilterIdentifier `bson:"identifier,omitempty"`
	// NamePrefix, folded like the indexed names, starts one of them.
	NamePrefix string `bson:"name_prefix,omitempty"`
	// InSystems: the customer has a record in every one of these systems.
	InSystems []string `bson:"in_systems,omitempty"`
	// OrderedSince: the newest order is at or after this time.
	OrderedSince *time.Time `bson:"ordered_since,omitempty"`
	// MinOrders: at least this many orders.
	MinOrders *int `bson:"min_orders,omitempty"`
	// MinSpend: spent at least this much in its currency.
	MinSpend *Amount `bson:"min_spend,omitempty"`
}

// FilterIdentifier is a normalised identifier: a Kind* constant, the system
// for KindExternalID, and the value as the identity normaliser writes it.
type FilterIdentifier struct {
	Kind   string `bson:"kind"`
	System string `bson:"system,omitempty"`
	Value  string `bson:"value"`
}

// IdentityIDs are the identities that stand for the identifier: a phone
// number and a WhatsApp ID are the same number in E.164 form.
func (fi FilterIdentifier) IdentityIDs() []string {
	ids := []string{IdentityID(fi.Kind, fi.System, fi.Value)}
	switch fi.Kind {
	case KindPhone:
		ids = append(ids, IdentityID(KindWhatsApp, "", fi.Value))
	case KindWhatsApp:
		ids = append(ids, IdentityID(KindPhone, "", fi.Value))
	}
	return ids
}

// Amount is an amount of money in major units of an ISO 4217 currency
// (three upper-case letters).
type Amount struct {
	Currency string  `bson:"currency"`
	Value    float64 `bson:"value"`
}

// currencyCode guards the one place a value becomes part of a field path
// (`search.spend.EUR`).
var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidCurrency reports whether code can key the spend of a projection.
func ValidCurrency(code string) bool { return currencyCode.MatchString(code) }

// query builds the MongoDB filter; owners, when not nil, are the customer
// IDs owning f.Identifier.
func (f Filter) query(after string, owners []string) (bson.D, error) {
	q := bson.D{{Key: "merged_into", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "erased_at", Value: bson.D{{Key: "$exists", Value: false}}}}
	var id bson.D
	if after != "" {
		id = append(id, bson.E{Key: "$gt", Value: after})
	}
	if owners != nil {
		id = append(id, bson.E{Key: "$in", Value: owners})
	}
	if len(id) > 0 {
		q = append(q, bson.E{Key: "_id", Value: id})
	}
	if f.NamePrefix != "" {
		q = append(q, bson.E{Key: "search.names", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(f.NamePrefix)}}})
	}
	if len(f.InSystems) > 0 {
		q = append(q, bson.E{Key: "search.systems", Value: bson.D{{Key: "$all", Value: f.InSystems}}})
	}
	if f.OrderedSince != nil {
		q = append(q, bson.E{Key: "search.last_order_at", Value: bson.D{{Key: "$gte", Value: f.OrderedSince.UTC()}}})
	}
	if f.MinOrders != nil {
		q = append(q, bson.E{Key: "search.order_count", Value: bson.D{{Key: "$gte", Value: *f.MinOrders}}})
	}
	if f.MinSpend != nil {
		if !ValidCurrency(f.MinSpend.Currency) {
			return nil, fmt.Errorf("filter: currency is not an ISO 4217 code")
		}
		q = append(q, bson.E{Key: "search.spend." + f.MinSpend.Currency, Value: bson.D{{Key: "$gte", Value: f.MinSpend.Value}}})
	}
	return q, nil
}

// owners resolves f.Identifier to the customers owning it: nil without an
// identifier, empty when nobody owns it. One query.
func (s *Store) owners(ctx context.Context, f Filter) ([]string, error) {
	if f.Identifier == nil {
		return nil, nil
	}
	found, err := s.Owners(ctx, f.Identifier.IdentityIDs())
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, idn := range found {
		if idn != nil && idn.CustomerID != "" && !slices.Contains(out, idn.CustomerID) {
			out = append(out, idn.CustomerID)
		}
	}
	return out, nil
}

// SearchCustomers returns up to limit active (not merged-away) customers
// matching f with IDs after the given one ("" for the start), in ID order.
func (s *Store) SearchCustomers(ctx context.Context, f Filter, after string, limit int) ([]Customer, error) {
	owners, err := s.owners(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("search customers: %w", err)
	}
	if owners != nil && len(owners) == 0 {
		return []Customer{}, nil
	}
	q, err := f.query(after, owners)
	if err != nil {
		return nil, err
	}
	cur, err := s.customers.Find(ctx, q, options.Find().
		SetSort(bson.D{{Key: "_id", Value: 1}}).
		SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: "search", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("search customers: %w", err)
	}
	out := []Customer{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read customers: %w", err)
	}
	return out, nil
}

// CountCustomersMatching counts the active customers matching f; the zero
// Filter counts every active customer.
func (s *Store) CountCustomersMatching(ctx context.Context, f Filter) (int64, error) {
	owners, err := s.owners(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	if owners != nil && len(owners) == 0 {
		return 0, nil
	}
	q, err := f.query("", owners)
	if err != nil {
		return 0, err
	}
	n, err := s.customers.CountDocuments(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	return n, nil
}

// ensureSearchIndexes creates the indexes of the search projection and of
// segments.
func (s *Store) ensureSearchIndexes(ctx context.Context) error {
	// One index per command: FerretDB v1 panics when one command re-creates
	// several existing indexes (every restart does).
	for _, field := range []string{"search.names", "search.systems", "search.last_order_at", "search.order_count"} {
		if _, err := s.customers.Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys:    bson.D{{Key: field, Value: 1}},
			Options: options.Index().SetName(field),
		}); err != nil {
			return fmt.Errorf("create search index %s: %w", field, err)
		}
	}
	if _, err := s.segments().Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "name", Value: 1}},
		Options: options.Index().SetName("name"),
	}); err != nil {
		return fmt.Errorf("create segments index: %w", err)
	}
	return nil
}
