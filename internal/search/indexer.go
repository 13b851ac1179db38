package search

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/kpi"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

// Bounds of one indexing round.
const (
	// DefaultPageSize is how many customers one round of upstream calls
	// covers.
	DefaultPageSize = 200
	// MaxOrders bounds the orders counted per customer and system, the
	// newest first, as CustomerMetrics.orderCount does.
	MaxOrders = 500
)

// nameFields are the profile fields names are indexed from: the canonical
// given and family names, and `name`, the full name of systems that keep
// one field (the demo's helpdesk).
var nameFields = []string{connectors.FieldGivenName, connectors.FieldFamilyName, "name"}

// Indexer writes the search projection of customers (store.SearchProjection)
// from what the channel systems hold.
type Indexer struct {
	Store   *store.Store
	Sources *sources.Set
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
	// PageSize is the customers per round, DefaultPageSize when zero.
	PageSize int
	// Parallel is how many pages are read and written at once,
	// DefaultParallel when zero.
	Parallel int

	// state is what the last runs learnt of the store, kept so that the
	// next run reads again only the customers that changed since
	// (Changed). Made on first use; a copy of the Indexer made after
	// shares it.
	state *indexState
}

// indexState is what an Indexer learnt of the store.
type indexState struct {
	mu     sync.Mutex
	loaded bool                           // the fields below hold every active customer
	keys   map[string]map[string][]string // active customer -> keys by system
	stored map[string]digest              // customer -> digest of its projection in the store
	dirty  map[string]bool                // changed since: read again by _id
}

// statesMu guards the making of Indexer.state.
var statesMu sync.Mutex

func (ix *Indexer) st() *indexState {
	statesMu.Lock()
	defer statesMu.Unlock()
	if ix.state == nil {
		ix.state = &indexState{}
	}
	return ix.state
}

// Changed tells the indexer that the identities, merges or activity of
// customers changed (the store's change hook and the bus say so): the next
// IndexAll reads them again. Safe for concurrent use.
func (ix *Indexer) Changed(customerIDs []string) {
	st := ix.st()
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.loaded {
		return
	}
	if st.dirty == nil {
		st.dirty = map[string]bool{}
	}
	for _, id := range customerIDs {
		st.dirty[id] = true
	}
}

// Forget drops what the indexer learnt: the next IndexAll reads every
// customer again (changes may have been missed: the bus was cut).
func (ix *Indexer) Forget() {
	st := ix.st()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.loaded, st.keys, st.stored, st.dirty = false, nil, nil, nil
}

// DefaultParallel is how many pages IndexAll works on at once: the next
// page's upstream calls overlap the last one's store writes.
const DefaultParallel = 2

// Report says what one IndexAll did. It holds counts and connector names
// only, never data.
type Report struct {
	Customers int // customers indexed
	Pages     int // rounds of upstream calls
	// Written counts the projections written: new, or changed since the
	// last run. The others were as they were and are left alone.
	Written int
	// Failed lists the sources with a failing call; the fields they feed
	// kept their last values for the customers of that round.
	Failed []string
}

// IndexAll indexes every active customer, a page at a time, in ID order,
// and writes only the projections that are new (inserted in bulk) or
// changed (one _id write each); projections of customers no longer active
// are deleted.
//
// The first run reads the store three times in all, whatever the number
// of customers (the active customers, their keys, the projections there
// are). Later runs read again, by _id, only the customers Changed named
// since: the rest of what they need is what the last run learnt. On the
// embedded store, whose reads decode every document, that is most of a
// run's time at 100,000 customers.
func (ix *Indexer) IndexAll(ctx context.Context) (Report, error) {
	st := ix.st()
	var rep Report
	active, keys, old, stale, err := ix.learn(ctx)
	if err != nil {
		return rep, err
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	pages := make(chan []string)
	for range ix.parallel() {
		wg.Go(func() {
			for page := range pages {
				pageKeys := make([]map[string][]string, len(page))
				for i, id := range page {
					pageKeys[i] = keys[id]
				}
				if err := ix.indexPage(ctx, page, pageKeys, old, &mu, &rep); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for start := 0; start < len(active); start += ix.pageSize() {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		pages <- active[start:min(start+ix.pageSize(), len(active))]
	}
	close(pages)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr == nil {
		firstErr = ix.Store.DropSearchProjections(ctx, stale)
	}
	if firstErr != nil {
		ix.Forget() // what was learnt may be half written: start over
		return rep, firstErr
	}
	st.mu.Lock()
	for _, id := range stale {
		delete(st.stored, id)
	}
	st.mu.Unlock()
	return rep, nil
}

// learn returns the active customers in ID order, their keys, the digests
// of the projections in the store and the projections of customers no
// longer active: read whole on the first run, then updated by reading the
// customers that changed since.
func (ix *Indexer) learn(ctx context.Context) (active []string, keys map[string]map[string][]string, old map[string]digest, stale []string, err error) {
	st := ix.st()
	st.mu.Lock()
	loaded, dirty := st.loaded, st.dirty
	st.dirty = nil
	st.mu.Unlock()
	if !loaded {
		if err := ix.readAll(ctx); err != nil {
			return nil, nil, nil, nil, err
		}
	} else if err := ix.readChanged(ctx, slices.Sorted(maps.Keys(dirty))); err != nil {
		st.mu.Lock()
		for id := range dirty { // to be read again next time
			if st.dirty == nil {
				st.dirty = map[string]bool{}
			}
			st.dirty[id] = true
		}
		st.mu.Unlock()
		return nil, nil, nil, nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	active = slices.Sorted(maps.Keys(st.keys))
	keys = maps.Clone(st.keys)
	old = maps.Clone(st.stored)
	for id := range st.stored {
		if st.keys[id] == nil {
			stale = append(stale, id)
		}
	}
	slices.Sort(stale)
	return active, keys, old, stale, nil
}

// readAll reads the active customers, their keys and the projections' digests
// whole: three reads at once (FerretDB spends them decoding documents).
func (ix *Indexer) readAll(ctx context.Context) error {
	st := ix.st()
	var (
		active           []string
		allKeys          = map[string]map[string][]string{}
		stored           = map[string]digest{}
		errA, errK, errP error
		wg               sync.WaitGroup
	)
	// Changes from now on are kept for the next run: what the reads miss
	// of them, it reads again.
	st.mu.Lock()
	st.loaded, st.dirty = true, map[string]bool{}
	st.mu.Unlock()
	wg.Go(func() { active, errA = ix.Store.ActiveCustomerIDs(ctx) })
	wg.Go(func() {
		errK = ix.Store.KeysScan(ctx, func(id string, idents []store.Identity) error {
			allKeys[id] = keysOf(idents)
			return nil
		})
	})
	wg.Go(func() {
		errP = ix.Store.SearchScan(ctx, func(id string, p *store.SearchProjection) error {
			stored[id] = digestOf(*p)
			return nil
		})
	})
	wg.Wait()
	if err := errors.Join(errA, errK, errP); err != nil {
		ix.Forget()
		return err
	}
	keys := make(map[string]map[string][]string, len(active))
	var missing []string
	for _, id := range active {
		if k := allKeys[id]; k != nil {
			keys[id] = k
		} else {
			missing = append(missing, id)
		}
	}
	// A customer whose keys document is missing (a change cut short) is
	// read by IdentitiesOf, which rebuilds it.
	for start := 0; start < len(missing); start += ix.pageSize() {
		chunk := missing[start:min(start+ix.pageSize(), len(missing))]
		idents, err := ix.Store.IdentitiesOf(ctx, chunk)
		if err != nil {
			ix.Forget()
			return err
		}
		for i, id := range chunk {
			keys[id] = keysOf(idents[i])
		}
	}
	st.mu.Lock()
	st.keys, st.stored = keys, stored
	st.mu.Unlock()
	return nil
}

// readChanged reads again, by _id, customers that changed: whether they are
// active, and their keys.
func (ix *Indexer) readChanged(ctx context.Context, ids []string) error {
	st := ix.st()
	for start := 0; start < len(ids); start += ix.pageSize() {
		chunk := ids[start:min(start+ix.pageSize(), len(ids))]
		found, err := ix.Store.CustomersByID(ctx, chunk)
		if err != nil {
			return err
		}
		var active []string
		for _, c := range found {
			if c != nil && c.MergedInto == "" && c.ErasedAt == nil {
				active = append(active, c.ID)
			}
		}
		idents, err := ix.Store.IdentitiesOf(ctx, active)
		if err != nil {
			return err
		}
		st.mu.Lock()
		for _, id := range chunk {
			delete(st.keys, id)
		}
		for i, id := range active {
			st.keys[id] = keysOf(idents[i])
		}
		st.mu.Unlock()
	}
	return nil
}

// Refresh re-indexes the given customers, after a merge, a split or a new
// link. Unknown and merged-away customers are skipped: searches never show
// the latter.
func (ix *Indexer) Refresh(ctx context.Context, customerIDs []string) error {
	ids := slices.Clone(customerIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	size := ix.pageSize()
	var rep Report
	var mu sync.Mutex
	for start := 0; start < len(ids); start += size {
		chunk := ids[start:min(start+size, len(ids))]
		found, err := ix.Store.CustomersByID(ctx, chunk)
		if err != nil {
			return err
		}
		active := make([]string, 0, len(chunk))
		for _, c := range found {
			if c != nil && c.MergedInto == "" && c.ErasedAt == nil {
				active = append(active, c.ID)
			}
		}
		if len(active) == 0 {
			continue
		}
		idents, err := ix.Store.IdentitiesOf(ctx, active)
		if err != nil {
			return err
		}
		projections, err := ix.Store.SearchProjections(ctx, active)
		if err != nil {
			return err
		}
		keys := make([]map[string][]string, len(active))
		old := make(map[string]digest, len(active))
		for i, id := range active {
			keys[i] = keysOf(idents[i])
			if projections[i] != nil {
				old[id] = digestOf(*projections[i])
			}
		}
		if err := ix.indexPage(ctx, active, keys, old, &mu, &rep); err != nil {
			return err
		}
	}
	return nil
}

func (ix *Indexer) pageSize() int {
	if ix.PageSize > 0 {
		return ix.PageSize
	}
	return DefaultPageSize
}

func (ix *Indexer) parallel() int {
	if ix.Parallel > 0 {
		return ix.Parallel
	}
	return DefaultParallel
}

func (ix *Indexer) now() time.Time {
	if ix.Now != nil {
		return ix.Now().UTC()
	}
	return time.Now().UTC()
}

func (ix *Indexer) log() *slog.Logger {
	if ix.Log != nil {
		return ix.Log
	}
	return slog.New(slog.DiscardHandler)
}

// keysOf groups a customer's native keys by system.
func keysOf(idents []store.Identity) map[string][]string {
	out := map[string][]string{}
	for _, idn := range idents {
		if idn.Kind == store.KindExternalID && idn.System != "" {
			out[idn.System] = append(out[idn.System], idn.Value)
		}
	}
	return out
}

// digest identifies a projection's content, its time aside: a run that
// computes the same digest leaves the projection as it is.
type digest [sha256.Size]byte

func digestOf(p store.SearchProjection) digest {
	h := sha256.New()
	for _, n := range p.Names {
		_, _ = fmt.Fprintf(h, "n%q", n)
	}
	for _, s := range p.Systems {
		_, _ = fmt.Fprintf(h, "s%q", s)
	}
	_, _ = fmt.Fprintf(h, "o%d", p.OrderCount)
	if p.LastOrderAt != nil {
		_, _ = fmt.Fprintf(h, "l%d", p.LastOrderAt.UTC().UnixMilli())
	}
	for _, c := range slices.Sorted(maps.Keys(p.Spend)) {
		_, _ = fmt.Fprintf(h, "m%s%s", c, strconv.FormatFloat(p.Spend[c], 'g', -1, 64))
	}
	var d digest
	h.Sum(d[:0])
	return d
}

// indexPage indexes one page of customers, whose keys by system are given:
// one call per source and capability, then one bulk insert of the new
// projections and one _id write per changed one. old holds the digests of
// the projections there are; the projections themselves are read only
// when a source failed, to keep the fields it feeds.
func (ix *Indexer) indexPage(ctx context.Context, ids []string, keys []map[string][]string, old map[string]digest, mu *sync.Mutex, rep *Report) error {
	st := ix.st()
	bySource := map[string][]string{}
	seen := map[string]bool{}
	for _, k := range keys {
		for system, values := range k {
			for _, v := range values {
				if key := system + "\x00" + v; !seen[key] {
					seen[key] = true
					bySource[system] = append(bySource[system], v)
				}
			}
		}
	}
	reads := ix.read(ctx, bySource)
	if err := ctx.Err(); err != nil {
		return err
	}
	failed := false
	for _, name := range slices.Sorted(maps.Keys(reads)) {
		r := reads[name]
		for _, f := range []struct {
			c   connectors.Capability
			err error
		}{{connectors.CapProfiles, r.profilesErr}, {connectors.CapOrders, r.ordersErr}} {
			if f.err == nil {
				continue
			}
			failed = true
			ix.log().Warn("search index: source failed; the fields it feeds keep their last values",
				"connector", name, "capability", string(f.c), "code", string(connectors.CodeOf(f.err)), "customers", len(ids))
			mu.Lock()
			if !slices.Contains(rep.Failed, name) {
				rep.Failed = append(rep.Failed, name)
			}
			mu.Unlock()
		}
	}
	prev := make([]*store.SearchProjection, len(ids))
	if failed {
		var err error
		if prev, err = ix.Store.SearchProjections(ctx, ids); err != nil {
			return err
		}
	}
	now := ix.now().Truncate(time.Millisecond)
	fresh, changed := map[string]store.SearchProjection{}, map[string]store.SearchProjection{}
	for i, id := range ids {
		p := project(keys[i], prev[i], reads, now)
		d, had := old[id]
		switch {
		case !had:
			fresh[id] = p
		case d != digestOf(p):
			changed[id] = p
		}
	}
	if err := ix.Store.WriteSearchProjections(ctx, fresh, changed); err != nil {
		return err
	}
	st.mu.Lock()
	if st.stored != nil {
		for id, p := range fresh {
			st.stored[id] = digestOf(p)
		}
		for id, p := range changed {
			st.stored[id] = digestOf(p)
		}
	}
	st.mu.Unlock()
	mu.Lock()
	rep.Customers += len(ids)
	rep.Pages++
	rep.Written += len(fresh) + len(changed)
	mu.Unlock()
	return nil
}

// sourceRead is what one source answered for a page.
type sourceRead struct {
	hasProfiles, hasOrders bool
	profiles               map[string]*connectors.Profile
	orders                 map[string][]connectors.Order
	profilesErr, ordersErr error
}

// read makes, for every source with keys in the page, one profiles call and
// one orders call, all in parallel.
func (ix *Indexer) read(ctx context.Context, bySource map[string][]string) map[string]*sourceRead {
	out := map[string]*sourceRead{}
	var wg sync.WaitGroup
	for _, src := range ix.Sources.All() {
		ks := bySource[src.Name()]
		if len(ks) == 0 {
			continue
		}
		r := &sourceRead{hasProfiles: src.Has(connectors.CapProfiles), hasOrders: src.Has(connectors.CapOrders)}
		out[src.Name()] = r
		if r.hasProfiles {
			wg.Go(func() {
				list, err := src.Profiles(ctx, ks)
				if err != nil {
					r.profilesErr = err
					return
				}
				r.profiles = make(map[string]*connectors.Profile, len(ks))
				for i, k := range ks {
					r.profiles[k] = list[i]
				}
			})
		}
		if r.hasOrders {
			wg.Go(func() {
				list, err := src.Orders(ctx, ks, connectors.Window{Limit: MaxOrders})
				if err != nil {
					r.ordersErr = err
					return
				}
				r.orders = make(map[string][]connectors.Order, len(ks))
				for i, k := range ks {
					r.orders[k] = list[i]
				}
			})
		}
	}
	wg.Wait()
	return out
}

// project builds one customer's projection from its keys by source and
// what the sources answered. A source that failed freezes the fields it
// feeds: names when its profiles failed, order count, last order and spend
// when its orders failed, which keep the values of old (the previous
// projection). A customer never indexed gets what the healthy sources gave.
func project(keys map[string][]string, old *store.SearchProjection, reads map[string]*sourceRead, now time.Time) store.SearchProjection {
	p := store.SearchProjection{
		Names:     []string{},
		Systems:   slices.Sorted(maps.Keys(keys)),
		Spend:     map[string]float64{},
		IndexedAt: now,
	}
	namesFresh, ordersFresh := true, true
	var orders []connectors.Order
	for _, name := range p.Systems {
		r := reads[name]
		if r == nil {
			continue // not a configured source
		}
		if r.hasProfiles {
			if r.profilesErr != nil {
				namesFresh = false
			}
			p.Names = append(p.Names, names(keys[name], r.profiles)...)
		}
		if r.hasOrders {
			if r.ordersErr != nil {
				ordersFresh = false
			}
			orders = append(orders, newest(keys[name], r.orders)...)
		}
	}
	slices.Sort(p.Names)
	p.Names = slices.Compact(p.Names)
	setOrders(&p, orders)
	if old != nil && !namesFresh {
		p.Names = old.Names
	}
	if old != nil && !ordersFresh {
		p.OrderCount, p.LastOrderAt, p.Spend = old.OrderCount, old.LastOrderAt, old.Spend
	}
	return p
}

// newest returns the orders of keys, the newest MaxOrders of them when the
// customer has several records in one system.
func newest(keys []string, byKey map[string][]connectors.Order) []connectors.Order {
	var out []connectors.Order
	for _, k := range keys {
		out = append(out, byKey[k]...)
	}
	if len(out) <= MaxOrders {
		return out
	}
	slices.SortStableFunc(out, func(a, b connectors.Order) int {
		return cmp.Or(b.PlacedAt.Compare(a.PlacedAt), cmp.Compare(b.ID, a.ID))
	})
	return out[:MaxOrders]
}

// names returns the name tokens of the records of keys.
func names(keys []string, profiles map[string]*connectors.Profile) []string {
	var out []string
	for _, k := range keys {
		for _, f := range nameFields {
			out = append(out, NameTokens(profiles[k].Get(f))...)
		}
	}
	return out
}

// setOrders counts the orders and sums their spend the way the metrics do
// (kpi.Compute: refunded and cancelled orders count, and are not spent).
func setOrders(p *store.SearchProjection, orders []connectors.Order) {
	m := kpi.Compute(orders, nil)
	p.OrderCount = m.OrderCount
	for _, o := range orders {
		if t := o.PlacedAt.UTC().Truncate(time.Millisecond); p.LastOrderAt == nil || t.After(*p.LastOrderAt) {
			p.LastOrderAt = &t
		}
	}
	for _, s := range m.TotalSpent {
		if store.ValidCurrency(s.Currency) { // else it would not make a field name
			p.Spend[s.Currency] = float64(s.Minor) / math.Pow10(connectors.CurrencyExponent(s.Currency))
		}
	}
}
