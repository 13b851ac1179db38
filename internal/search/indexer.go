package search

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"math"
	"slices"
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
}

// Report says what one IndexAll did. It holds counts and connector names
// only, never data.
type Report struct {
	Customers int // customers indexed
	Pages     int // rounds of upstream calls
	// Failed lists the sources with a failing call; the fields they feed
	// kept their last values for the customers of that round.
	Failed []string
}

// IndexAll indexes every active customer, a page at a time.
func (ix *Indexer) IndexAll(ctx context.Context) (Report, error) {
	var rep Report
	size := ix.pageSize()
	after := ""
	for {
		page, err := ix.Store.SearchCustomers(ctx, store.Filter{}, after, size)
		if err != nil {
			return rep, err
		}
		if len(page) == 0 {
			return rep, nil
		}
		ids := make([]string, len(page))
		for i, c := range page {
			ids[i] = c.ID
		}
		if err := ix.indexPage(ctx, ids, &rep); err != nil {
			return rep, err
		}
		if len(page) < size {
			return rep, nil
		}
		after = ids[len(ids)-1]
	}
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
	for start := 0; start < len(ids); start += size {
		chunk := ids[start:min(start+size, len(ids))]
		found, err := ix.Store.CustomersByID(ctx, chunk)
		if err != nil {
			return err
		}
		active := make([]string, 0, len(chunk))
		for _, c := range found {
			if c != nil && c.MergedInto == "" {
				active = append(active, c.ID)
			}
		}
		if len(active) == 0 {
			continue
		}
		if err := ix.indexPage(ctx, active, &rep); err != nil {
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

// indexPage indexes one page of customers: one identities query, one read
// of the old projections, one call per source and capability, one bulk
// write.
func (ix *Indexer) indexPage(ctx context.Context, ids []string, rep *Report) error {
	idents, err := ix.Store.IdentitiesOf(ctx, ids)
	if err != nil {
		return err
	}
	old, err := ix.Store.SearchProjections(ctx, ids)
	if err != nil {
		return err
	}
	keys := make([]map[string][]string, len(ids))
	bySource := map[string][]string{}
	seen := map[string]bool{}
	for i, list := range idents {
		keys[i] = map[string][]string{}
		for _, idn := range list {
			if idn.Kind != store.KindExternalID || idn.System == "" {
				continue
			}
			keys[i][idn.System] = append(keys[i][idn.System], idn.Value)
			if k := idn.System + "\x00" + idn.Value; !seen[k] {
				seen[k] = true
				bySource[idn.System] = append(bySource[idn.System], idn.Value)
			}
		}
	}
	reads := ix.read(ctx, bySource)
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(reads)) {
		r := reads[name]
		for _, f := range []struct {
			c   connectors.Capability
			err error
		}{{connectors.CapProfiles, r.profilesErr}, {connectors.CapOrders, r.ordersErr}} {
			if f.err == nil {
				continue
			}
			ix.log().Warn("search index: source failed; the fields it feeds keep their last values",
				"connector", name, "capability", string(f.c), "code", string(connectors.CodeOf(f.err)), "customers", len(ids))
			if !slices.Contains(rep.Failed, name) {
				rep.Failed = append(rep.Failed, name)
			}
		}
	}
	now := ix.now().Truncate(time.Millisecond)
	out := make(map[string]store.SearchProjection, len(ids))
	for i, id := range ids {
		out[id] = project(keys[i], old[i], reads, now)
	}
	if err := ix.Store.SetSearchProjections(ctx, out); err != nil {
		return err
	}
	rep.Customers += len(ids)
	rep.Pages++
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
