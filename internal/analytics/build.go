package analytics

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/kpi"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

// Read bounds of a build, the same as a customer's own metrics read: the
// newest MaxOrders orders and MaxInteractions interactions per system and
// key, and the newest MaxEvents stored events per customer.
const (
	MaxOrders       = 500
	MaxInteractions = 200
	MaxEvents       = 200
	// DefaultPageSize is how many customers one round of upstream calls
	// covers: one Orders and one Interactions call per source, which the
	// guard chunks to the connector's batch limit.
	DefaultPageSize = 500
)

// Builder builds the projection from the systems: every active customer's
// keys from the store, then, a page of customers at a time, each source's
// orders and interactions in one batched call per capability, and the
// events Harmony stored, in one store query per page.
type Builder struct {
	Store      *store.Store
	Sources    *sources.Set
	Projection *Projection
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
	// PageSize is the customers per round, DefaultPageSize when zero.
	PageSize int
}

// BuildReport says what a build did: counts and connector names only.
type BuildReport struct {
	Customers int
	Pages     int
	// Failed names the sources with a failing call: the customers of those
	// pages keep the facts of the previous build, when there was one.
	Failed []string
}

// Build reads every active customer's facts and installs them.
func (b *Builder) Build(ctx context.Context) (BuildReport, error) {
	var rep BuildReport
	b.Projection.Begin()
	started := b.now()
	ids, keys, err := b.customers(ctx)
	if err != nil {
		b.Projection.Abort()
		return rep, err
	}
	prev := b.Projection.Snapshot(nil, false) // freshness only
	old := map[string]*Facts{}
	if !prev.BuiltAt.IsZero() {
		b.Projection.mu.RLock()
		maps.Copy(old, b.Projection.facts)
		b.Projection.mu.RUnlock()
	}
	facts := make(map[string]*Facts, len(ids))
	failed := map[string]bool{}
	size := b.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	for start := 0; start < len(ids); start += size {
		page := ids[start:min(start+size, len(ids))]
		got, bad, err := b.page(ctx, page, keys)
		if err != nil {
			b.Projection.Abort()
			return rep, err
		}
		for _, name := range bad {
			failed[name] = true
		}
		for i, id := range page {
			if len(bad) > 0 && old[id] != nil {
				facts[id] = old[id]
				continue
			}
			facts[id] = got[i]
		}
		rep.Pages++
		rep.Customers += len(page)
	}
	rep.Failed = slices.Sorted(maps.Keys(failed))
	for _, name := range rep.Failed {
		b.log().Warn("figures projection: a source failed; its customers keep their previous facts", "connector", name)
	}
	b.Projection.Replace(facts, started, rep.Failed)
	return rep, nil
}

// customers are the active customers, in ID order, and their keys.
func (b *Builder) customers(ctx context.Context) ([]string, map[string]map[string][]string, error) {
	var (
		active     []string
		all        = map[string]map[string][]string{}
		errA, errK error
		wg         sync.WaitGroup
	)
	wg.Go(func() { active, errA = b.Store.ActiveCustomerIDs(ctx) })
	wg.Go(func() {
		errK = b.Store.KeysScan(ctx, func(id string, idents []store.Identity) error {
			all[id] = keysOf(idents)
			return nil
		})
	})
	wg.Wait()
	if err := errors.Join(errA, errK); err != nil {
		return nil, nil, err
	}
	var missing []string
	for _, id := range active {
		if all[id] == nil {
			missing = append(missing, id)
		}
	}
	for start := 0; start < len(missing); start += DefaultPageSize {
		chunk := missing[start:min(start+DefaultPageSize, len(missing))]
		idents, err := b.Store.IdentitiesOf(ctx, chunk)
		if err != nil {
			return nil, nil, err
		}
		for i, id := range chunk {
			all[id] = keysOf(idents[i])
		}
	}
	slices.Sort(active)
	return active, all, nil
}

// keySignature names a customer's native keys, in a fixed order.
func keySignature(keys map[string][]string) string {
	var all []string
	for system, ks := range keys {
		for _, k := range ks {
			all = append(all, system+"\x00"+k)
		}
	}
	slices.Sort(all)
	return strings.Join(all, "\x01")
}

// Refresh brings the projection up to date for customers the store
// changed (the store's change hook and the bus name them): a customer no
// longer active (merged away, erased) leaves it; one whose native keys
// changed (a merge, a link, a split) is read again from the systems, a page
// at a time with one call per system and capability; the others (a stored
// event, applied through the bus already) cost one _id read each. Before
// the first build it does nothing.
func (b *Builder) Refresh(ctx context.Context, customerIDs []string) error {
	if b.Projection.Snapshot(nil, false).BuiltAt.IsZero() || len(customerIDs) == 0 {
		return nil
	}
	ids := slices.Compact(slices.Sorted(slices.Values(customerIDs)))
	found, err := b.Store.CustomersByID(ctx, ids)
	if err != nil {
		return err
	}
	var gone, active []string
	for i, c := range found {
		if c == nil || c.MergedInto != "" || c.ErasedAt != nil {
			gone = append(gone, ids[i])
		} else {
			active = append(active, ids[i])
		}
	}
	b.Projection.Forget(gone)
	if len(active) == 0 {
		return nil
	}
	idents, err := b.Store.IdentitiesOf(ctx, active)
	if err != nil {
		return err
	}
	had := b.Projection.keysOf(active)
	keys := map[string]map[string][]string{}
	var stale []string
	for i, id := range active {
		k := keysOf(idents[i])
		if keySignature(k) != had[i] {
			keys[id] = k
			stale = append(stale, id)
		}
	}
	size := b.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	for start := 0; start < len(stale); start += size {
		page := stale[start:min(start+size, len(stale))]
		got, bad, err := b.page(ctx, page, keys)
		if err != nil {
			return err
		}
		if len(bad) > 0 {
			// The next build reads them again.
			b.log().Warn("figures projection: a source failed; changed customers keep their facts until the next build", "connectors", bad)
			continue
		}
		set := make(map[string]*Facts, len(page))
		for i, id := range page {
			set[id] = got[i]
		}
		b.Projection.set(set)
	}
	return nil
}

func keysOf(idents []store.Identity) map[string][]string {
	out := map[string][]string{}
	for _, idn := range idents {
		if idn.Kind == store.KindExternalID && idn.System != "" {
			out[idn.System] = append(out[idn.System], idn.Value)
		}
	}
	return out
}

// page reads one page of customers: for every source with keys in it, one
// Orders and one Interactions call, in parallel, and the stored events of
// the page in one store query. It returns their facts and the sources
// that failed.
func (b *Builder) page(ctx context.Context, ids []string, keys map[string]map[string][]string) ([]*Facts, []string, error) {
	bySource := map[string][]string{}
	seen := map[string]bool{}
	for _, id := range ids {
		for system, values := range keys[id] {
			for _, v := range values {
				if k := system + "\x00" + v; !seen[k] {
					seen[k] = true
					bySource[system] = append(bySource[system], v)
				}
			}
		}
	}
	type read struct {
		orders       map[string][]connectors.Order
		interactions map[string][]connectors.Interaction
		err          error
	}
	reads := map[string]*read{}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	fail := func(r *read, err error) {
		mu.Lock()
		defer mu.Unlock()
		if r.err == nil {
			r.err = err
		}
	}
	for _, src := range b.Sources.All() {
		ks := bySource[src.Name()]
		if len(ks) == 0 || (!src.Has(connectors.CapOrders) && !src.Has(connectors.CapInteractions)) {
			continue
		}
		r := &read{}
		reads[src.Name()] = r
		if src.Has(connectors.CapOrders) {
			wg.Go(func() {
				list, err := src.Orders(ctx, ks, connectors.Window{Limit: MaxOrders})
				if err != nil {
					fail(r, err)
					return
				}
				m := make(map[string][]connectors.Order, len(ks))
				for i, k := range ks {
					m[k] = list[i]
				}
				mu.Lock()
				r.orders = m
				mu.Unlock()
			})
		}
		if src.Has(connectors.CapInteractions) {
			wg.Go(func() {
				list, err := src.Interactions(ctx, ks, connectors.Window{Limit: MaxInteractions})
				if err != nil {
					fail(r, err)
					return
				}
				m := make(map[string][]connectors.Interaction, len(ks))
				for i, k := range ks {
					m[k] = list[i]
				}
				mu.Lock()
				r.interactions = m
				mu.Unlock()
			})
		}
	}
	var acts [][]store.Activity
	var actErr error
	wg.Go(func() { acts, actErr = b.Store.ActivityPage(ctx, ids, store.ActivityQuery{Limit: MaxEvents}) })
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if actErr != nil {
		return nil, nil, actErr
	}
	var failed []string
	for name, r := range reads {
		if r.err != nil {
			failed = append(failed, name)
		}
	}
	out := make([]*Facts, len(ids))
	for i, id := range ids {
		var in kpi.Input
		for system, ks := range keys[id] {
			r := reads[system]
			if r == nil {
				continue
			}
			for _, k := range ks {
				for _, o := range r.orders[k] {
					in.Orders = append(in.Orders, kpi.Order{Source: system, Order: o})
				}
				for _, it := range r.interactions[k] {
					in.Interactions = append(in.Interactions, kpi.Interaction{Source: system, Interaction: it})
				}
			}
		}
		f := FactsOf(in)
		for _, e := range StoredEvents(in.Interactions, acts[i]) {
			f.apply(e)
		}
		f.keys = keySignature(keys[id])
		out[i] = f
	}
	return out, failed, nil
}

// StoredEvents are the events of acts that report an interaction, except
// those reporting one of its (the systems' answers): a contact counts once.
func StoredEvents(its []kpi.Interaction, acts []store.Activity) []Event {
	var out []Event
	for _, a := range acts {
		if e, ok := EventOf(a); ok && !duplicate(its, e) {
			out = append(out, e)
		}
	}
	return out
}

// duplicate reports whether a stored event reports an interaction its
// system serves too (same system, same native ID): it counts once.
func duplicate(its []kpi.Interaction, e Event) bool {
	origin, id := e.Interaction.Source, e.Interaction.Attributes["originId"]
	if id == "" {
		return false
	}
	return slices.ContainsFunc(its, func(it kpi.Interaction) bool { return it.Source == origin && it.ID == id })
}

// EventOf is the event a stored activity reports, false when it reports no
// interaction.
func EventOf(a store.Activity) (Event, bool) {
	in := a.Interaction
	if in == nil {
		return Event{}, false
	}
	it := connectors.Interaction{
		ID: a.ID, Channel: in.Channel, Type: in.Type, Direction: in.Direction,
		OccurredAt: a.OccurredAt.UTC(), Summary: in.Summary, Status: in.Status, ThreadRef: in.ThreadRef,
		Duration: in.Duration, FirstResponseAt: in.FirstResponseAt, ResolvedAt: in.ResolvedAt,
		Attributes: map[string]string{},
	}
	if !in.OccurredAt.IsZero() {
		it.OccurredAt = in.OccurredAt.UTC()
	}
	for _, at := range in.Attributes {
		it.Attributes[at.Name] = at.Value
	}
	if in.ID != "" {
		it.Attributes["originId"] = in.ID
	}
	return Event{ID: a.ID, ReceivedAt: a.ReceivedAt, Interaction: kpi.Interaction{Source: a.Connector, Interaction: it}}, true
}

func (b *Builder) now() time.Time {
	if b.Now != nil {
		return b.Now().UTC()
	}
	return time.Now().UTC()
}

func (b *Builder) log() *slog.Logger {
	if b.Log != nil {
		return b.Log
	}
	return slog.New(slog.DiscardHandler)
}

// FromBus is the customer and event a bus event reports; false when it
// names no customer or reports no interaction.
func FromBus(e bus.Event) (string, Event, bool) {
	if e.CustomerID == "" || e.Interaction == nil {
		return "", Event{}, false
	}
	it := *e.Interaction
	it.Attributes = make(map[string]string, len(e.Interaction.Attributes)+1)
	for k, v := range e.Interaction.Attributes {
		it.Attributes[k] = v
	}
	if e.Interaction.ID != "" {
		it.Attributes["originId"] = e.Interaction.ID
	}
	it.ID = e.ID
	it.OccurredAt = it.OccurredAt.UTC()
	return e.CustomerID, Event{ID: e.ID, ReceivedAt: e.ReceivedAt, Interaction: kpi.Interaction{Source: e.Connector, Interaction: it}}, true
}
