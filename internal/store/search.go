package store

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The search projection: one document per customer in the customer_search
// collection (its _id the customer's ID), written by the search indexer
// (package internal/search) and read by SearchCustomers. It holds what
// analysts filter on and cannot be asked of the channel systems for all
// customers at once. A customer never indexed has no document and matches
// no condition on it.
//
// It lives apart from the customer document so that the indexer never
// rewrites a customer: FerretDB v1 applies an update by reading the
// document and writing it whole, so an indexer's write racing a merge's
// could undo the merge. And a first build inserts its documents in bulk,
// which FerretDB does in one transaction per command instead of one per
// document.
const searchCollection = "customer_search"

// SearchProjection is a customer's search document.
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
	// IndexedAt is when the projection last changed: an indexing run that
	// finds it as it was does not write it.
	IndexedAt time.Time `bson:"indexed_at"`
}

// searchDoc is a SearchProjection as stored.
type searchDoc struct {
	ID               string `bson:"_id"`
	SearchProjection `bson:",inline"`
}

func (s *Store) search() *mongo.Collection {
	return s.customers.Database().Collection(searchCollection)
}

// SearchProjections returns out[i], the projection of customerIDs[i], nil
// when the customer has none or does not exist. One query on MongoDB, one
// _id lookup per ID on FerretDB.
func (s *Store) SearchProjections(ctx context.Context, customerIDs []string) ([]*SearchProjection, error) {
	found, err := findByIDs(ctx, s, s.search(), customerIDs, nil, func(d *searchDoc) string { return d.ID })
	if err != nil {
		return nil, fmt.Errorf("find search projections: %w", err)
	}
	out := make([]*SearchProjection, len(customerIDs))
	for i, id := range customerIDs {
		if d := found[id]; d != nil {
			out[i] = &d.SearchProjection
		}
	}
	return out, nil
}

// SetSearchProjections writes the projection of each customer in
// byCustomer, replacing the one there, one _id write each. A customer that
// does not exist gets none.
func (s *Store) SetSearchProjections(ctx context.Context, byCustomer map[string]SearchProjection) error {
	ids := slices.Collect(maps.Keys(byCustomer))
	exist, err := s.customersByID(ctx, ids)
	if err != nil {
		return err
	}
	known := make(map[string]SearchProjection, len(byCustomer))
	for id, p := range byCustomer {
		if exist[id] != nil {
			known[id] = p
		}
	}
	return s.WriteSearchProjections(ctx, nil, known)
}

// WriteSearchProjections writes projections of customers the caller knows
// exist: fresh are those of customers that had none (inserted in bulk,
// thousands a second on FerretDB), changed replace the ones there (one _id
// write each). A fresh one found there already is replaced.
func (s *Store) WriteSearchProjections(ctx context.Context, fresh, changed map[string]SearchProjection) error {
	if len(fresh)+len(changed) == 0 {
		return nil
	}
	var docs []any
	var docIDs []string
	for _, id := range slices.Sorted(maps.Keys(fresh)) {
		docs = append(docs, searchDoc{ID: id, SearchProjection: fresh[id]})
		docIDs = append(docIDs, id)
	}
	replace := map[string]SearchProjection{}
	maps.Copy(replace, changed)
	if len(docs) > 0 {
		inserted, err := insertEach(ctx, s.search(), docs)
		if err != nil {
			return fmt.Errorf("write search projections: %w", err)
		}
		for i, ok := range inserted {
			if !ok {
				replace[docIDs[i]] = fresh[docIDs[i]]
			}
		}
	}
	var models []mongo.WriteModel
	for _, id := range slices.Sorted(maps.Keys(replace)) {
		models = append(models, mongo.NewReplaceOneModel().SetFilter(idFilter(id)).
			SetReplacement(searchDoc{ID: id, SearchProjection: replace[id]}).SetUpsert(true))
	}
	if err := bulkByID(ctx, s.search(), models); err != nil {
		return fmt.Errorf("write search projections: %w", err)
	}
	return nil
}

// dropSearch deletes the projections of ids, one _id write each.
func (s *Store) dropSearch(ctx context.Context, ids []string) error {
	models := make([]mongo.WriteModel, 0, len(ids))
	for _, id := range sortedUnique(ids) {
		models = append(models, mongo.NewDeleteOneModel().SetFilter(idFilter(id)))
	}
	return bulkByID(ctx, s.search(), models)
}

// SearchScan reads every projection once, in no particular order, and
// calls fn with each: the indexer's starting point.
func (s *Store) SearchScan(ctx context.Context, fn func(customerID string, p *SearchProjection) error) error {
	cur, err := s.search().Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("read search projections: %w", err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	for cur.Next(ctx) {
		var d searchDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("read search projections: %w", err)
		}
		if err := fn(d.ID, &d.SearchProjection); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("read search projections: %w", err)
	}
	return nil
}

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

// indexed reports whether f has a condition on the search projection.
func (f Filter) indexed() bool {
	return f.NamePrefix != "" || len(f.InSystems) > 0 || f.OrderedSince != nil || f.MinOrders != nil || f.MinSpend != nil
}

// idRange is the condition on _id: after the given one, among owners when
// not nil.
func idRange(after string, owners []string) bson.D {
	var id bson.D
	if after != "" {
		id = append(id, bson.E{Key: "$gt", Value: after})
	}
	if owners != nil {
		id = append(id, bson.E{Key: "$in", Value: owners})
	}
	return id
}

// customersQuery selects active customers with IDs in the range.
func customersQuery(after string, owners []string) bson.D {
	q := bson.D{{Key: "merged_into", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "erased_at", Value: bson.D{{Key: "$exists", Value: false}}}}
	if id := idRange(after, owners); len(id) > 0 {
		q = append(q, bson.E{Key: "_id", Value: id})
	}
	return q
}

// searchQuery builds the filter on the customer_search collection.
func (f Filter) searchQuery(after string, owners []string) (bson.D, error) {
	var q bson.D
	if id := idRange(after, owners); len(id) > 0 {
		q = append(q, bson.E{Key: "_id", Value: id})
	}
	if f.NamePrefix != "" {
		q = append(q, bson.E{Key: "names", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(f.NamePrefix)}}})
	}
	if len(f.InSystems) > 0 {
		q = append(q, bson.E{Key: "systems", Value: bson.D{{Key: "$all", Value: f.InSystems}}})
	}
	if f.OrderedSince != nil {
		q = append(q, bson.E{Key: "last_order_at", Value: bson.D{{Key: "$gte", Value: f.OrderedSince.UTC()}}})
	}
	if f.MinOrders != nil {
		q = append(q, bson.E{Key: "order_count", Value: bson.D{{Key: "$gte", Value: *f.MinOrders}}})
	}
	if f.MinSpend != nil {
		if !ValidCurrency(f.MinSpend.Currency) {
			return nil, fmt.Errorf("filter: currency is not an ISO 4217 code")
		}
		q = append(q, bson.E{Key: "spend." + f.MinSpend.Currency, Value: bson.D{{Key: "$gte", Value: f.MinSpend.Value}}})
	}
	if q == nil {
		q = bson.D{}
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

// SearchCustomers returns up to limit active (not merged-away, not
// erased) customers matching f with IDs after the given one ("" for the
// start), in ID order. Without a condition on the projection it queries
// the customers collection; with one, the customer_search collection, then
// reads the page's customers by _id and leaves out any that is no longer
// active.
func (s *Store) SearchCustomers(ctx context.Context, f Filter, after string, limit int) ([]Customer, error) {
	owners, err := s.owners(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("search customers: %w", err)
	}
	if owners != nil && len(owners) == 0 {
		return []Customer{}, nil
	}
	if !f.indexed() {
		cur, err := s.customers.Find(ctx, customersQuery(after, owners), options.Find().
			SetSort(bson.D{{Key: "_id", Value: 1}}).
			SetLimit(int64(limit)))
		if err != nil {
			return nil, fmt.Errorf("search customers: %w", err)
		}
		out := []Customer{}
		if err := cur.All(ctx, &out); err != nil {
			return nil, fmt.Errorf("read customers: %w", err)
		}
		return out, nil
	}
	out := []Customer{}
	for len(out) < limit {
		q, err := f.searchQuery(after, owners)
		if err != nil {
			return nil, err
		}
		want := limit - len(out)
		cur, err := s.search().Find(ctx, q, options.Find().
			SetSort(bson.D{{Key: "_id", Value: 1}}).
			SetLimit(int64(want)).
			SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return nil, fmt.Errorf("search customers: %w", err)
		}
		var ids []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &ids); err != nil {
			return nil, fmt.Errorf("read customers: %w", err)
		}
		page := make([]string, len(ids))
		for i, d := range ids {
			page[i] = d.ID
		}
		found, err := s.customersByID(ctx, page)
		if err != nil {
			return nil, err
		}
		for _, id := range page {
			if c := found[id]; c != nil && c.MergedInto == "" && c.ErasedAt == nil {
				out = append(out, *c)
			}
		}
		if len(page) < want {
			break
		}
		after = page[len(page)-1]
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
	if !f.indexed() {
		n, err := s.customers.CountDocuments(ctx, customersQuery("", owners))
		if err != nil {
			return 0, fmt.Errorf("count customers: %w", err)
		}
		return n, nil
	}
	q, err := f.searchQuery("", owners)
	if err != nil {
		return 0, err
	}
	cur, err := s.search().Find(ctx, q, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	var matching []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &matching); err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	if len(matching) == 0 {
		return 0, nil
	}
	// A projection can outlive its customer's activity for a moment (a
	// merge racing the indexer): the inactive ones do not count.
	cur, err = s.customers.Find(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "merged_into", Value: bson.D{{Key: "$exists", Value: true}}}},
		bson.D{{Key: "erased_at", Value: bson.D{{Key: "$exists", Value: true}}}},
	}}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	var inactive []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &inactive); err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	gone := make(map[string]bool, len(inactive))
	for _, c := range inactive {
		gone[c.ID] = true
	}
	var n int64
	for _, m := range matching {
		if !gone[m.ID] {
			n++
		}
	}
	return n, nil
}

// ensureSearchIndexes creates the indexes of the search projection and of
// segments.
func (s *Store) ensureSearchIndexes(ctx context.Context) error {
	// One index per command: FerretDB v1 panics when one command re-creates
	// several existing indexes (every restart does).
	for _, field := range []string{"names", "systems", "last_order_at", "order_count"} {
		if _, err := s.search().Indexes().CreateOne(ctx, mongo.IndexModel{
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

// ActiveCustomerIDs returns the IDs of every active (not merged-away, not
// erased) customer, in ID order: one read of the customers collection.
func (s *Store) ActiveCustomerIDs(ctx context.Context) ([]string, error) {
	cur, err := s.customers.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{
		{Key: "_id", Value: 1}, {Key: "merged_into", Value: 1}, {Key: "erased_at", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list customers: %w", err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	var out []string
	for cur.Next(ctx) {
		var c Customer
		if err := cur.Decode(&c); err != nil {
			return nil, fmt.Errorf("read customers: %w", err)
		}
		if c.MergedInto == "" && c.ErasedAt == nil {
			out = append(out, c.ID)
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("read customers: %w", err)
	}
	slices.Sort(out)
	return out, nil
}

// KeysScan reads every keys document once, in no particular order, and
// calls fn with each customer's identities (kind, system and value only).
func (s *Store) KeysScan(ctx context.Context, fn func(customerID string, identities []Identity) error) error {
	cur, err := s.keys().Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{
		{Key: "identities.kind", Value: 1}, {Key: "identities.system", Value: 1}, {Key: "identities.value", Value: 1}}))
	if err != nil {
		return fmt.Errorf("read customer keys: %w", err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	for cur.Next(ctx) {
		var k keysDoc
		if err := cur.Decode(&k); err != nil {
			return fmt.Errorf("read customer keys: %w", err)
		}
		if err := fn(k.ID, k.Identities); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("read customer keys: %w", err)
	}
	return nil
}

// DropSearchProjections deletes the projections of customers, one _id
// write each.
func (s *Store) DropSearchProjections(ctx context.Context, customerIDs []string) error {
	if err := s.dropSearch(ctx, customerIDs); err != nil {
		return fmt.Errorf("drop search projections: %w", err)
	}
	return nil
}
