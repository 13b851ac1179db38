package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const privacyCollection = "privacy_requests"

// Privacy request kinds.
const (
	PrivacyErasure = "erasure"
	PrivacyExport  = "export"
)

// Statuses of a privacy request in one system, and of the whole request
// (pending, done, failed, partial).
const (
	PrivacyPending       = "pending"
	PrivacyDone          = "done"
	PrivacyFailed        = "failed"
	PrivacyNotApplicable = "not_applicable"
	PrivacyManual        = "manual"
	// PrivacyPartial is a request's status while a system must be handled
	// by hand (manual) and nothing else is pending or failed.
	PrivacyPartial = "partial"
)

// PrivacySystemStore names the profile store among a request's systems.
const PrivacySystemStore = "harmony"

// PrivacyRequest is a request to erase or export one customer's data,
// stored so that retries survive a restart. It holds no personal data but
// an export's Data, the answer the requester asked for.
type PrivacyRequest struct {
	ID          string          `bson:"_id"`
	Kind        string          `bson:"kind"`
	CustomerID  string          `bson:"customer_id"`
	Status      string          `bson:"status"`
	RequestedAt time.Time       `bson:"requested_at"`
	RequestedBy string          `bson:"requested_by"`
	CompletedAt *time.Time      `bson:"completed_at,omitempty"`
	Systems     []PrivacySystem `bson:"systems"`
	// NextAt is the earliest retry due, nil when none is: the worker's
	// index.
	NextAt *time.Time `bson:"next_at,omitempty"`
}

// PrivacySystem is where a request stands in one system.
type PrivacySystem struct {
	System string `bson:"system"`
	Status string `bson:"status"`
	// Keys are the customer's native keys in the system, kept because an
	// erasure removes the links they were read from, and only until the
	// system is done: a key may be derived from personal data (a hash of
	// an e-mail address).
	Keys []string `bson:"keys,omitempty"`
	// KeyCount is how many keys the system held.
	KeyCount      int        `bson:"key_count,omitempty"`
	Attempts      int        `bson:"attempts"`
	LastErrorCode string     `bson:"last_error_code,omitempty"`
	NextAt        *time.Time `bson:"next_at,omitempty"`
	DoneAt        *time.Time `bson:"done_at,omitempty"`
	// Data is an export's JSON document from the system.
	Data string `bson:"data,omitempty"`
	// ConfirmedBy is who confirmed that a system without erasure was
	// erased by hand, "" when the gateway saw it (or did it) itself.
	ConfirmedBy string `bson:"confirmed_by,omitempty"`
}

// NewPrivacyRequestID returns a fresh random request ID.
func NewPrivacyRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "prq_" + hex.EncodeToString(b[:])
}

func hashID(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:12])
}

func (s *Store) privacy() *mongo.Collection {
	return s.customers.Database().Collection(privacyCollection)
}

// ensurePrivacyIndexes creates the indexes of consents, audit entries and
// privacy requests, one per command (FerretDB v1).
func (s *Store) ensurePrivacyIndexes(ctx context.Context) error {
	indexes := []struct {
		coll *mongo.Collection
		name string
		keys bson.D
	}{
		{s.consents(), "customer_id", bson.D{{Key: "customer_id", Value: 1}}},
		{s.audit(), "actor", bson.D{{Key: "actor", Value: 1}}},
		{s.audit(), "customer_ids", bson.D{{Key: "customer_ids", Value: 1}}},
		{s.privacy(), "next_at", bson.D{{Key: "next_at", Value: 1}}},
	}
	for _, ix := range indexes {
		if _, err := ix.coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys, Options: options.Index().SetName(ix.name)}); err != nil {
			return fmt.Errorf("create %s index %s: %w", ix.coll.Name(), ix.name, err)
		}
	}
	return nil
}

// AddPrivacyRequest inserts a new request.
func (s *Store) AddPrivacyRequest(ctx context.Context, r PrivacyRequest) error {
	if _, err := s.privacy().InsertOne(ctx, r); err != nil {
		return fmt.Errorf("add privacy request: %w", err)
	}
	return nil
}

// SavePrivacyRequest replaces a request; hold its lock (LockPrivacyRequest).
func (s *Store) SavePrivacyRequest(ctx context.Context, r PrivacyRequest) error {
	if _, err := s.privacy().ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, r); err != nil {
		return fmt.Errorf("save privacy request: %w", err)
	}
	return nil
}

// GetPrivacyRequest returns the request with that ID, nil when none.
func (s *Store) GetPrivacyRequest(ctx context.Context, id string) (*PrivacyRequest, error) {
	var r PrivacyRequest
	err := s.privacy().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find privacy request: %w", err)
	}
	return &r, nil
}

// DuePrivacyRequests returns the IDs of up to limit requests with a retry
// due at or before now, the most overdue first.
func (s *Store) DuePrivacyRequests(ctx context.Context, now time.Time, limit int) ([]string, error) {
	cur, err := s.privacy().Find(ctx, bson.D{{Key: "next_at", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}},
		options.Find().SetSort(bson.D{{Key: "next_at", Value: 1}}).SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find due privacy requests: %w", err)
	}
	ids, err := readIDs(ctx, cur)
	if err != nil {
		return nil, fmt.Errorf("read due privacy requests: %w", err)
	}
	return ids, nil
}

// LockPrivacyRequest takes the request's lock, so that one worker (of any
// replica) processes it at a time; ErrBusy when another holds it.
func (s *Store) LockPrivacyRequest(ctx context.Context, id string) (release func(), err error) {
	return s.lock(ctx, []string{"prq:" + id})
}

// CustomerExport is the profile store's part of an export.
type CustomerExport struct {
	CustomerID  string            `json:"customerId"`
	CreatedAt   time.Time         `json:"createdAt"`
	MergedIDs   []string          `json:"mergedIds"`
	ErasedAt    *time.Time        `json:"erasedAt,omitempty"`
	Identities  []ExportIdentity  `json:"identities"`
	Consents    []ExportConsent   `json:"consents"`
	SearchIndex *SearchProjection `json:"searchIndex,omitempty"`
}

// ExportIdentity is an identity as exported.
type ExportIdentity struct {
	Kind     string    `json:"kind"`
	System   string    `json:"system,omitempty"`
	Value    string    `json:"value"`
	Rule     string    `json:"rule"`
	Source   string    `json:"source"`
	LinkedAt time.Time `json:"linkedAt"`
}

// ExportConsent is a consent record as exported.
type ExportConsent struct {
	Purpose    string    `json:"purpose"`
	Channel    string    `json:"channel,omitempty"`
	Granted    bool      `json:"granted"`
	Source     string    `json:"source"`
	RecordedAt time.Time `json:"recordedAt"`
}

// ExportCustomer collects what the profile store holds about a customer
// (the survivor of id); ErrNoCustomer when there is none.
func (s *Store) ExportCustomer(ctx context.Context, id string) (*CustomerExport, error) {
	c, err := s.resolveOne(ctx, id)
	if err != nil {
		return nil, err
	}
	ids, err := s.absorbed(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	out := &CustomerExport{CustomerID: c.ID, CreatedAt: c.CreatedAt, ErasedAt: c.ErasedAt, MergedIDs: ids[1:],
		Identities: []ExportIdentity{}, Consents: []ExportConsent{}}
	idents, err := s.IdentitiesOf(ctx, []string{c.ID})
	if err != nil {
		return nil, err
	}
	for _, x := range idents[0] {
		out.Identities = append(out.Identities, ExportIdentity{Kind: x.Kind, System: x.System, Value: x.Value, Rule: x.Rule, Source: x.Source, LinkedAt: x.LinkedAt})
	}
	consents, err := s.ConsentsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, list := range consents {
		for _, x := range list {
			out.Consents = append(out.Consents, ExportConsent{Purpose: x.Purpose, Channel: x.Channel, Granted: x.Granted, Source: x.Source, RecordedAt: x.RecordedAt})
		}
	}
	proj, err := s.SearchProjections(ctx, []string{c.ID})
	if err != nil {
		return nil, err
	}
	out.SearchIndex = proj[0]
	return out, nil
}

// absorbed returns id and every customer merged into it, directly or not.
func (s *Store) absorbed(ctx context.Context, id string) ([]string, error) {
	all := []string{id}
	frontier := []string{id}
	for hop := 0; len(frontier) > 0 && hop <= maxHops; hop++ {
		merged, err := s.MergedIDs(ctx, frontier)
		if err != nil {
			return nil, err
		}
		frontier = nil
		for _, list := range merged {
			all = append(all, list...)
			frontier = append(frontier, list...)
		}
	}
	return all, nil
}

// EraseCustomer anonymises the profile store's record of a customer (the
// survivor of id) and of every customer merged into it: their identities
// (the identifiers and the hashes naming them) are deleted, the values in
// their identity history are removed, their search projection (and so
// their segment membership) and their webhook events go, their consents
// become one tombstone each,
// and each customer document becomes a tombstone with erased_at, so their
// IDs keep resolving, to "erased". Every step is idempotent; a re-run
// finishes an interrupted erasure. It returns the customer erased.
func (s *Store) EraseCustomer(ctx context.Context, id string, at time.Time) (string, error) {
	for attempt := 0; attempt < 5; attempt++ {
		erased, retry, err := s.eraseOnce(ctx, id, at)
		if !retry {
			return erased, err
		}
	}
	return "", ErrBusy
}

func (s *Store) eraseOnce(ctx context.Context, id string, at time.Time) (string, bool, error) {
	c, err := s.resolveOne(ctx, id)
	if err != nil {
		return "", false, err
	}
	// Every customer merged into c has its keys change too: all are locked.
	ids, err := s.absorbed(ctx, c.ID)
	if err != nil {
		return "", false, err
	}
	release, err := s.lock(ctx, ids)
	if err != nil {
		return "", false, err
	}
	defer release()
	if now, err := s.resolveOne(ctx, id); err != nil || now.ID != c.ID {
		return "", err == nil, err
	}
	if again, err := s.absorbed(ctx, c.ID); err != nil || !slices.Equal(sortedUnique(again), sortedUnique(ids)) {
		return "", err == nil, err
	}
	at = at.UTC().Truncate(time.Millisecond)
	in := bson.D{{Key: "$in", Value: ids}}
	// The keys are rebuilt from the collections (change returns none).
	err = s.rekeying(ctx, ids, func() (map[string]*keysDoc, error) {
		return nil, s.erase(ctx, ids, in, at)
	})
	if err != nil {
		return "", false, err
	}
	return c.ID, false, nil
}

// erase runs the steps of an erasure of ids (in: their $in), holding their
// locks.
func (s *Store) erase(ctx context.Context, ids []string, in bson.D, at time.Time) error {
	// The tombstone first: from here on the customer reads as erased
	// and leaves every list, even if a later step has to be re-run.
	// One write per _id (see byid.go).
	already, err := s.customersByID(ctx, ids)
	if err != nil {
		return err
	}
	marks := make([]mongo.WriteModel, 0, len(ids))
	for _, cid := range ids {
		if c := already[cid]; c != nil && c.ErasedAt == nil {
			marks = append(marks, mongo.NewUpdateOneModel().SetFilter(idFilter(cid)).
				SetUpdate(bson.D{{Key: "$set", Value: bson.D{{Key: "erased_at", Value: at}}}}))
		}
	}
	if err := bulkByID(ctx, s.customers, marks); err != nil {
		return fmt.Errorf("mark customer erased: %w", err)
	}
	if err := s.dropSearch(ctx, ids); err != nil {
		return fmt.Errorf("erase search projection: %w", err)
	}
	// A privacy request is thorough: the identities are deleted by
	// customer, whatever the keys documents say.
	if _, err := s.identities.DeleteMany(ctx, bson.D{{Key: "customer_id", Value: in}}); err != nil {
		return fmt.Errorf("erase identities: %w", err)
	}
	if _, err := s.history.UpdateMany(ctx, bson.D{{Key: "customer_ids", Value: in}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "identities", Value: bson.A{}}}}, {Key: "$unset", Value: bson.D{{Key: "reason", Value: ""}}}}); err != nil {
		return fmt.Errorf("erase identity history values: %w", err)
	}
	// Interactions systems reported by webhook (events.go) hold message
	// previews and the like: they go too, then their mark.
	if _, err := s.events.DeleteMany(ctx, bson.D{{Key: "customer_id", Value: in}}); err != nil {
		return fmt.Errorf("erase webhook events: %w", err)
	}
	if err := s.unmark(ctx, markActivity, ids); err != nil {
		return err
	}
	return s.eraseConsents(ctx, ids, at)
}

// Identifier is an identifier as events store it: its kind and normalised
// value (a social handle as network:handle).
type Identifier struct {
	Kind, Value string
}

// EraseEventsNaming deletes the webhook events that name one of a
// person's native keys (keys, by system) or identifiers, whoever they were
// resolved to: those stored before the person was known (no customer)
// and those that arrive after their erasure would otherwise keep their
// contacts. It reads the events collection whole (an erasure is rare) and
// returns how many it deleted.
func (s *Store) EraseEventsNaming(ctx context.Context, keys map[string][]string, identifiers []Identifier) (int64, error) {
	var or bson.A
	for system, list := range keys {
		if len(list) > 0 {
			or = append(or, bson.D{{Key: "connector", Value: system}, {Key: "customer_key", Value: bson.D{{Key: "$in", Value: list}}}})
		}
	}
	for _, id := range identifiers {
		or = append(or, bson.D{{Key: "identifier_kind", Value: id.Kind}, {Key: "identifier", Value: id.Value}})
	}
	if len(or) == 0 {
		return 0, nil
	}
	cur, err := s.events.Find(ctx, bson.D{{Key: "$or", Value: or}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "customer_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("find events naming the person: %w", err)
	}
	var found []struct {
		ID         string `bson:"_id"`
		CustomerID string `bson:"customer_id"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return 0, fmt.Errorf("read events naming the person: %w", err)
	}
	if len(found) == 0 {
		return 0, nil
	}
	ids := make([]string, len(found))
	var customers []string
	for i, f := range found {
		ids[i] = f.ID
		if f.CustomerID != "" && !slices.Contains(customers, f.CustomerID) {
			customers = append(customers, f.CustomerID)
		}
	}
	res, err := s.events.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return 0, fmt.Errorf("erase events naming the person: %w", err)
	}
	s.changed(ctx, customers)
	return res.DeletedCount, nil
}
