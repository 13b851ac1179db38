package memstore

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
)

// DefaultLatency is the round trip of a MongoDB query on the same network.
const DefaultLatency = 500 * time.Microsecond

// ErrUnsupported answers a customer list with a filter: the benchmark lists
// customers in ID order only.
var ErrUnsupported = errors.New("memstore: filtered customer lists are not supported")

// maxHops bounds how many merges Resolve follows, as store.Store does.
const maxHops = 8

// Store serves store.Reader from memory. It is read-only and safe for
// concurrent use.
type Store struct {
	latency    time.Duration
	customers  map[string]store.Customer
	active     []string // IDs of customers neither merged nor erased, sorted
	identities map[string][]store.Identity
	byID       map[string]store.Identity
	merged     map[string][]string
	consents   map[string][]store.Consent
	trips      atomic.Int64
	waited     atomic.Int64 // ns the round trips took
}

var _ store.Reader = (*Store)(nil)

// New indexes snap; every round trip waits latency.
func New(snap *Snapshot, latency time.Duration) *Store {
	s := &Store{
		latency:    max(latency, 0),
		customers:  make(map[string]store.Customer, len(snap.Customers)),
		identities: map[string][]store.Identity{},
		byID:       make(map[string]store.Identity, len(snap.Identities)),
		merged:     map[string][]string{},
		consents:   map[string][]store.Consent{},
	}
	for _, c := range snap.Consents {
		s.consents[c.CustomerID] = append(s.consents[c.CustomerID], c)
	}
	for _, c := range snap.Customers {
		s.customers[c.ID] = c
		switch {
		case c.MergedInto != "":
			s.merged[c.MergedInto] = append(s.merged[c.MergedInto], c.ID)
		case c.ErasedAt == nil:
			s.active = append(s.active, c.ID)
		}
	}
	slices.Sort(s.active)
	for _, list := range s.merged {
		slices.Sort(list)
	}
	for _, id := range snap.Identities {
		s.byID[id.ID] = id
		s.identities[id.CustomerID] = append(s.identities[id.CustomerID], id)
	}
	for _, list := range s.identities {
		slices.SortFunc(list, func(a, b store.Identity) int {
			return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.System, b.System), cmp.Compare(a.Value, b.Value))
		})
	}
	return s
}

// RoundTrips returns the round trips served since New.
func (s *Store) RoundTrips() int64 { return s.trips.Load() }

// Latency returns the latency of one round trip.
func (s *Store) Latency() time.Duration { return s.latency }

// Waited returns the time the round trips since New took in all: Go's
// timers fire late when the process is idle (the poller waits in whole
// milliseconds), so a round trip can take longer than its latency.
func (s *Store) Waited() time.Duration { return time.Duration(s.waited.Load()) }

// trip counts one round trip and waits its latency.
func (s *Store) trip(ctx context.Context) error {
	s.trips.Add(1)
	if s.latency == 0 {
		return ctx.Err()
	}
	start := time.Now()
	defer func() { s.waited.Add(int64(time.Since(start))) }()
	t := time.NewTimer(s.latency)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Resolve is store.Store.Resolve: one round trip per merge hop.
func (s *Store) Resolve(ctx context.Context, ids []string) ([]*store.Customer, error) {
	if err := s.trip(ctx); err != nil {
		return nil, err
	}
	out := make([]*store.Customer, len(ids))
	for i, id := range ids {
		c, ok := s.customers[id]
		for hop := 0; ok && c.MergedInto != ""; hop++ {
			if hop >= maxHops {
				return nil, errors.New("resolve customers: too many merges deep")
			}
			if err := s.trip(ctx); err != nil {
				return nil, err
			}
			c, ok = s.customers[c.MergedInto]
		}
		if ok {
			out[i] = &c
		}
	}
	return out, nil
}

// MergedIDs is store.Store.MergedIDs: one round trip.
func (s *Store) MergedIDs(ctx context.Context, ids []string) ([][]string, error) {
	if err := s.trip(ctx); err != nil {
		return nil, err
	}
	out := make([][]string, len(ids))
	for i, id := range ids {
		out[i] = slices.Clone(s.merged[id])
	}
	return out, nil
}

// IdentitiesOf is store.Store.IdentitiesOf: one round trip.
func (s *Store) IdentitiesOf(ctx context.Context, customerIDs []string) ([][]store.Identity, error) {
	if err := s.trip(ctx); err != nil {
		return nil, err
	}
	out := make([][]store.Identity, len(customerIDs))
	for i, id := range customerIDs {
		out[i] = slices.Clone(s.identities[id])
	}
	return out, nil
}

// Owners is store.Store.Owners: one round trip.
func (s *Store) Owners(ctx context.Context, identityIDs []string) ([]*store.Identity, error) {
	if err := s.trip(ctx); err != nil {
		return nil, err
	}
	out := make([]*store.Identity, len(identityIDs))
	for i, id := range identityIDs {
		if idn, ok := s.byID[id]; ok {
			out[i] = &idn
		}
	}
	return out, nil
}

// ConsentsFor is store.Store.ConsentsFor: two round trips (the merged
// customers, then the consents); a customer's own records and those of the
// customers merged into it, newest first.
func (s *Store) ConsentsFor(ctx context.Context, customerIDs []string) ([][]store.Consent, error) {
	merged, err := s.MergedIDs(ctx, customerIDs)
	if err != nil {
		return nil, err
	}
	if err := s.trip(ctx); err != nil {
		return nil, err
	}
	out := make([][]store.Consent, len(customerIDs))
	for i, id := range customerIDs {
		list := slices.Clone(s.consents[id])
		for _, m := range merged[i] {
			list = append(list, s.consents[m]...)
		}
		slices.SortStableFunc(list, func(a, b store.Consent) int {
			return cmp.Or(b.RecordedAt.Compare(a.RecordedAt), cmp.Compare(b.ID, a.ID))
		})
		out[i] = list
	}
	return out, nil
}

// ActivityPage is store.Store.ActivityPage: one round trip. The snapshot
// holds no stored activity (no webhook has been delivered).
func (s *Store) ActivityPage(ctx context.Context, customerIDs []string, q store.ActivityQuery) ([][]store.Activity, error) {
	out := make([][]store.Activity, len(customerIDs))
	if len(customerIDs) == 0 {
		return out, nil
	}
	if q.Limit <= 0 {
		return nil, errors.New("activity page: limit must be positive")
	}
	if err := s.trip(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// SearchCustomers is store.Store.SearchCustomers without a filter: up to
// limit active customers with IDs after the given one, in ID order, one
// round trip. A filter answers ErrUnsupported.
func (s *Store) SearchCustomers(ctx context.Context, f store.Filter, after string, limit int) ([]store.Customer, error) {
	if f.Identifier != nil || f.NamePrefix != "" || len(f.InSystems) > 0 || f.OrderedSince != nil || f.MinOrders != nil || f.MinSpend != nil {
		return nil, ErrUnsupported
	}
	if err := s.trip(ctx); err != nil {
		return nil, err
	}
	start, _ := slices.BinarySearch(s.active, after)
	if start < len(s.active) && s.active[start] == after {
		start++
	}
	out := []store.Customer{}
	for _, id := range s.active[start:min(len(s.active), start+max(limit, 0))] {
		out = append(out, s.customers[id])
	}
	return out, nil
}

// Histories is store.Store.Histories: one round trip. The snapshot holds
// no identity history (nobody has linked, merged or split by hand).
func (s *Store) Histories(ctx context.Context, qs []store.HistoryQuery) ([][]store.Event, error) {
	out := make([][]store.Event, len(qs))
	if len(qs) == 0 {
		return out, nil
	}
	if err := s.trip(ctx); err != nil {
		return nil, err
	}
	return out, nil
}
