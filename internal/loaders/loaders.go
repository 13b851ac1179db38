package loaders

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/level"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

// Factory makes the loaders of each operation.
type Factory struct {
	Sources *sources.Set
	// Store is the profile store's read path: a *store.Store.
	Store store.Reader
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	// Metrics records how batches were sent; nil records nothing.
	Metrics *Metrics
}

// New makes a fresh set of loaders for one operation.
func (f *Factory) New() *Loaders {
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
		now:          now,
		metrics:      f.Metrics,
		profiles:     map[string]*batcher[string, ProfileRecord]{},
		orders:       map[string]*batcher[WindowKey, []connectors.Order]{},
		interactions: map[string]*batcher[WindowKey, []connectors.Interaction]{},
	}
	l.customers = newBatcher(l, l.loadCustomers)
	l.identities = newBatcher(l, l.loadIdentities)
	l.owners = newBatcher(l, l.loadOwners)
	l.merged = newBatcher(l, l.loadMerged)
	return l
}

// Loaders is one operation's set of dataloaders. Loaders for sources are made
// on first use.
//
// No batch is sent on a timer. A batch is sent when someone waits on one of
// its keys and nobody else can still add keys to it: the caller belongs to
// no level (a root field, a mutation), or it is the last selected field of
// its level to have issued its reads (see package level and blocked).
type Loaders struct {
	sources *sources.Set
	store   store.Reader
	release func() // ends the pin on the sources
	now     func() time.Time
	metrics *Metrics

	customers  *batcher[string, *store.Customer]
	identities *batcher[string, []store.Identity]
	owners     *batcher[string, *store.Identity]
	merged     *batcher[string, []string]
	consents   *batcher[string, []store.Consent]       // made on first use (consent.go)
	activities *batcher[ActivityKey, []store.Activity] // made on first use (activity.go)
	histories  *batcher[HistoryKey, []store.Event]     // made on first use (history.go)

	mu           sync.Mutex
	all          []sender // every batcher, to send them all
	profiles     map[string]*batcher[string, ProfileRecord]
	orders       map[string]*batcher[WindowKey, []connectors.Order]
	interactions map[string]*batcher[WindowKey, []connectors.Interaction]
	messages     map[string]*batcher[string, []connectors.Message] // made on first use (messages.go)
}

// sender is a batcher of any key and value type.
type sender interface{ send(closedBy string) }

func (l *Loaders) add(s sender) {
	// Called from newBatcher: with l.mu held by loaderOf and the
	// first-use loaders, or from New before l is shared.
	l.all = append(l.all, s)
}

// send sends every open batch of the operation.
func (l *Loaders) send(closedBy string) {
	l.mu.Lock()
	all := slices.Clone(l.all)
	l.mu.Unlock()
	for _, s := range all {
		s.send(closedBy)
	}
}

// blocked is called by a caller about to wait on a key whose batch is not
// sent. If the caller is a field of a level whose other selected fields
// are still issuing reads, it only arrives: the last to arrive sends.
// Otherwise nobody can add to the batches any more that the caller needs:
// they are sent now.
func (l *Loaders) blocked(ctx context.Context) {
	lv, field := levelOf(ctx)
	if lv == nil {
		l.send(ClosedByWait)
		return
	}
	if lv.Arrive(field) {
		l.send(ClosedByLevel)
	}
}

// FieldEnded is called by the executor's field interceptor when a field
// has ended: a field of a level that ends without having waited on an
// unsent batch (it read nothing, read only what was loaded, or was refused
// by a directive) arrives as it ends, so that the level does not wait for
// it.
func FieldEnded(ctx context.Context) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Parent == nil {
		return
	}
	m, ok := fc.Parent.Result.(level.Member)
	if !ok {
		return
	}
	if lv := m.OfLevel(); lv != nil && !lv.Complete() && lv.Arrive(fc.Field.Field) {
		if l, ok := ctx.Value(ctxKey{}).(*Loaders); ok {
			l.send(ClosedByLevel)
		}
	}
}

// levelOf finds the level of the field ctx belongs to, and the field of the
// level's object it is under; nil when there is none.
func levelOf(ctx context.Context) (*level.Level, *ast.Field) {
	for fc := graphql.GetFieldContext(ctx); fc != nil && fc.Parent != nil; fc = fc.Parent {
		if m, ok := fc.Parent.Result.(level.Member); ok {
			if lv := m.OfLevel(); lv != nil {
				return lv, fc.Field.Field
			}
			return nil, nil
		}
	}
	return nil, nil
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

// Done ends the operation: a reload may now close the sources it used.
func (l *Loaders) Done() { l.release() }

// PrimeCustomer records a customer read by other means (a list page).
func (l *Loaders) PrimeCustomer(c *store.Customer) {
	l.customers.Prime(c.ID, c)
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
		ld = newBatcher(l, traced(src.Name(), c, fn()))
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
