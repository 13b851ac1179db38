package loaders

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

// DefaultWait is how long a batch waits for another key before it closes
// (see batcher). dataloader's own default, a fixed 16 ms, would be added at
// every level of a query.
const DefaultWait = time.Millisecond

// Factory makes the loaders of each operation.
type Factory struct {
	Sources *sources.Set
	// Store is the profile store's read path: a *store.Store.
	Store store.Reader
	// Wait is how long a batch waits for another key before it closes;
	// DefaultWait when zero.
	Wait time.Duration
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	// Metrics records how long batches wait; nil records nothing.
	Metrics *Metrics
}

// New makes a fresh set of loaders for one operation.
func (f *Factory) New() *Loaders {
	wait := f.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	now := f.Now
	if now == nil {
		now = time.Now
	}
	// The operation keeps the sources it starts with, even if a
	// configuration reload replaces them meanwhile (see Done).
	view, release := f.Sources, func() {}
	if f.Sources != nil {
		view, release = f.Sources.Pin()
	}
	l := &Loaders{
		release:      release,
		sources:      view,
		store:        f.Store,
		wait:         wait,
		now:          now,
		gate:         &gate{metrics: f.Metrics},
		profiles:     map[string]*batcher[string, ProfileRecord]{},
		orders:       map[string]*batcher[WindowKey, []connectors.Order]{},
		interactions: map[string]*batcher[WindowKey, []connectors.Interaction]{},
	}
	l.customers = newBatcher(l.gate, l.loadCustomers, wait, MaxWait)
	l.identities = newBatcher(l.gate, l.loadIdentities, wait, MaxWait)
	l.owners = newBatcher(l.gate, l.loadOwners, wait, MaxWait)
	l.merged = newBatcher(l.gate, l.loadMerged, wait, MaxWait)
	return l
}

// Loaders is one operation's set of dataloaders. Loaders for sources are made
// on first use.
type Loaders struct {
	sources *sources.Set
	store   store.Reader
	release func() // ends the pin on the sources
	wait    time.Duration
	now     func() time.Time
	gate    *gate

	customers  *batcher[string, *store.Customer]
	identities *batcher[string, []store.Identity]
	owners     *batcher[string, *store.Identity]
	merged     *batcher[string, []string]
	consents   *batcher[string, []store.Consent]       // made on first use (consent.go)
	activities *batcher[ActivityKey, []store.Activity] // made on first use (activity.go)

	mu           sync.Mutex
	profiles     map[string]*batcher[string, ProfileRecord]
	orders       map[string]*batcher[WindowKey, []connectors.Order]
	interactions map[string]*batcher[WindowKey, []connectors.Interaction]
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the loaders of the operation ctx belongs to. It panics when
// there are none: that is a wiring bug, never a runtime condition.
func From(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loaders: no loaders in context; the server must install them per operation")
	}
	return l
}

// Every load below returns at once with a thunk; calling the thunk waits for
// the batch. Issue all the loads a resolver needs before calling any thunk,
// so that the sources are read in parallel, not one after another.

// Customer loads a customer of the profile store, nil when absent. The ID
// of a customer merged into another loads the survivor.
func (l *Loaders) Customer(ctx context.Context, id string) dataloader.Thunk[*store.Customer] {
	return l.customers.Load(ctx, id)
}

// Identities loads the identities linked to a customer.
func (l *Loaders) Identities(ctx context.Context, customerID string) dataloader.Thunk[[]store.Identity] {
	return l.identities.Load(ctx, customerID)
}

// Owner loads the identity with the given identity ID, nil when nobody owns
// it.
func (l *Loaders) Owner(ctx context.Context, identityID string) dataloader.Thunk[*store.Identity] {
	return l.owners.Load(ctx, identityID)
}

// MergedIDs loads the IDs of the customers merged into a customer.
func (l *Loaders) MergedIDs(ctx context.Context, customerID string) dataloader.Thunk[[]string] {
	return l.merged.Load(ctx, customerID)
}

// ForgetStore drops what the operation read from the profile store, so that
// what a mutation changed is read again.
func (l *Loaders) ForgetStore() {
	l.customers.forget()
	l.identities.forget()
	l.owners.forget()
	l.merged.forget()
}

// Hold keeps every batch of the operation open until release is called;
// the last release sends them all. A resolver that issues the loads of a
// whole list holds the batches meanwhile, so that each loader gets all the
// list's keys in one batch, however the goroutines are scheduled.
func (l *Loaders) Hold() (release func()) { return l.gate.hold() }

// Done ends the operation: a reload may now close the sources it used.
func (l *Loaders) Done() { l.release() }

// PrimeCustomer records a customer read by other means (a list page).
func (l *Loaders) PrimeCustomer(ctx context.Context, c *store.Customer) {
	l.customers.Prime(ctx, c.ID, c)
}

// ProfileRecord is one system's profile record and when it was read.
type ProfileRecord struct {
	Profile   *connectors.Profile // nil when the system has no record
	FetchedAt time.Time
}

// Profile loads the record with native key key from source src.
func (l *Loaders) Profile(ctx context.Context, src *sources.Source, key string) dataloader.Thunk[ProfileRecord] {
	return loaderOf(l, l.profiles, src, connectors.CapProfiles, func() dataloader.BatchFunc[string, ProfileRecord] {
		return func(ctx context.Context, keys []string) []*dataloader.Result[ProfileRecord] {
			ps, err := src.Profiles(ctx, keys)
			at := l.now()
			return aligned(len(keys), err, func(i int) ProfileRecord { return ProfileRecord{Profile: ps[i], FetchedAt: at} })
		}
	}).Load(ctx, key)
}

// Orders loads the orders of native key key from src inside w.
func (l *Loaders) Orders(ctx context.Context, src *sources.Source, key string, w connectors.Window) dataloader.Thunk[[]connectors.Order] {
	return loaderOf(l, l.orders, src, connectors.CapOrders, func() dataloader.BatchFunc[WindowKey, []connectors.Order] {
		return windowed(src.Orders)
	}).Load(ctx, keyOf(key, w))
}

// Interactions loads the interactions of native key key from src inside w.
func (l *Loaders) Interactions(ctx context.Context, src *sources.Source, key string, w connectors.Window) dataloader.Thunk[[]connectors.Interaction] {
	return loaderOf(l, l.interactions, src, connectors.CapInteractions, func() dataloader.BatchFunc[WindowKey, []connectors.Interaction] {
		return windowed(src.Interactions)
	}).Load(ctx, keyOf(key, w))
}

// loaderOf returns the operation's loader of src in byName, made on first
// use with the batch function fn makes, traced as capability c.
func loaderOf[K comparable, V any](l *Loaders, byName map[string]*batcher[K, V], src *sources.Source, c connectors.Capability, fn func() dataloader.BatchFunc[K, V]) *batcher[K, V] {
	l.mu.Lock()
	defer l.mu.Unlock()
	ld, ok := byName[src.Name()]
	if !ok {
		ld = newBatcher(l.gate, traced(src.Name(), c, fn()), l.wait, MaxWait)
		byName[src.Name()] = ld
	}
	return ld
}

func (l *Loaders) loadCustomers(ctx context.Context, ids []string) []*dataloader.Result[*store.Customer] {
	found, err := l.store.Resolve(ctx, ids)
	return aligned(len(ids), err, func(i int) *store.Customer { return found[i] })
}

func (l *Loaders) loadMerged(ctx context.Context, ids []string) []*dataloader.Result[[]string] {
	found, err := l.store.MergedIDs(ctx, ids)
	return aligned(len(ids), err, func(i int) []string { return found[i] })
}

func (l *Loaders) loadIdentities(ctx context.Context, ids []string) []*dataloader.Result[[]store.Identity] {
	found, err := l.store.IdentitiesOf(ctx, ids)
	return aligned(len(ids), err, func(i int) []store.Identity { return found[i] })
}

func (l *Loaders) loadOwners(ctx context.Context, ids []string) []*dataloader.Result[*store.Identity] {
	found, err := l.store.Owners(ctx, ids)
	return aligned(len(ids), err, func(i int) *store.Identity { return found[i] })
}

// aligned builds n results from an aligned lookup, or n copies of err.
func aligned[V any](n int, err error, at func(int) V) []*dataloader.Result[V] {
	out := make([]*dataloader.Result[V], n)
	// A partial failure fails only its keys: the others were answered, by
	// the system or from their last good values.
	var pe *sources.PartialError
	partial := errors.As(err, &pe)
	for i := range out {
		if err != nil && (!partial || pe.Failed(i)) {
			out[i] = &dataloader.Result[V]{Error: err}
		} else {
			out[i] = &dataloader.Result[V]{Data: at(i)}
		}
	}
	return out
}
