package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// Cached is the request path's reader of the profile store: what a read of
// a customer needs (the customer document, its keys document, its marks,
// and when marked its consents and stored activity) comes from an
// in-process LRU, and a miss reads the store by _id (keys.go, marks.go),
// through a Gate.
//
// Invalidation comes from the store's write paths (Store.OnChange) and,
// for the changes other replicas make, from the bus: whoever wires the
// gateway passes both to Invalidate. An invalidation drops the customers'
// entries and leaves a tombstone, so that a read that started before it
// cannot store what it read after it. Entries also expire after a time to
// live, the bound of staleness should an invalidation be lost (a replica
// cut from the bus). A customer whose keys document is being rebuilt
// (another request holds its lock) is answered but not cached. Customers
// that do not exist are not cached.
type Cached struct {
	s    *Store
	gate *Gate
	ttl  time.Duration
	now  func() time.Time
	m    *cacheMetrics

	mu         sync.Mutex // orders fills against invalidations
	seq        uint64
	tombstones map[string]tombstone
	inflight   map[string]*fill // customers being read
	purgedAt   uint64           // fills that began before it are refused

	entries *lru.Cache[string, *entry]
	owners  *ownerCache

	actMu     sync.Mutex // guards actItems, actIndex
	acts      *lru.Cache[activityKey, activityPage]
	actItems  int
	actBudget int
	actIndex  map[string]map[activityKey]struct{}
}

var _ Reader = (*Cached)(nil)

// CacheOptions configure Cached.
type CacheOptions struct {
	// MaxCustomers bounds the customers held (LRU).
	MaxCustomers int
	// TTL bounds how long an entry serves without an invalidation.
	TTL time.Duration
	// MaxActivityItems bounds the stored activity items held, over every
	// customer and window; DefaultCacheActivityItems when zero.
	MaxActivityItems int
	// Gate bounds the reads misses send to the store; none when nil.
	Gate *Gate
	// Registerer receives the cache's series; none when nil.
	Registerer prometheus.Registerer
	// Now is the clock, time.Now when nil.
	Now func() time.Time
}

// DefaultCacheActivityItems bounds the stored activity items Cached holds
// when CacheOptions leave it zero.
const DefaultCacheActivityItems = 50_000

// fillHorizon bounds how long after its start a read may still store what
// it read; tombstones older than it are forgotten.
const fillHorizon = time.Minute

// Origins of invalidations, as harmony_store_cache_invalidations_total
// labels them.
const (
	OriginStore = "store" // this replica's own writes
	OriginBus   = "bus"   // another replica's, through the bus
)

type tombstone struct {
	seq uint64
	at  time.Time
}

// ticket is when a read began.
type ticket struct {
	seq uint64
	at  time.Time
}

// entry is what the cache holds of one customer. Entries are never
// modified once stored: a fill stores a new one.
type entry struct {
	at       time.Time
	customer Customer
	keys     keysDoc
	// Marks: the customer may hold consents, stored activity.
	hasConsents, hasActivity bool
	// consents, when consentsRead, are the customer's own records.
	consents     []Consent
	consentsRead bool
}

// activityPage is one customer's answer to one ActivityQuery.
type activityPage struct {
	at    time.Time
	items []Activity
}

type activityKey struct {
	customer        string
	since, until    int64
	limit           int
	channels, types string
}

// NewCached makes the cached reader of s.
func NewCached(s *Store, o CacheOptions) *Cached {
	c := &Cached{s: s, gate: o.Gate, ttl: o.TTL, now: o.Now, tombstones: map[string]tombstone{}, inflight: map[string]*fill{},
		actBudget: o.MaxActivityItems, actIndex: map[string]map[activityKey]struct{}{}}
	if c.now == nil {
		c.now = time.Now
	}
	if c.actBudget <= 0 {
		c.actBudget = DefaultCacheActivityItems
	}
	c.entries, _ = lru.New[string, *entry](max(o.MaxCustomers, 1)) // size > 0: no error
	// A customer has a few identities: room for four each.
	c.owners = newOwnerCache(4 * max(o.MaxCustomers, 1))
	// The callback runs with the LRU's lock held: it only takes actMu.
	c.acts, _ = lru.NewWithEvict[activityKey, activityPage](max(c.actBudget, 1), func(k activityKey, v activityPage) {
		c.actMu.Lock()
		c.actItems -= len(v.items)
		if set := c.actIndex[k.customer]; set != nil {
			delete(set, k)
			if len(set) == 0 {
				delete(c.actIndex, k.customer)
			}
		}
		c.actMu.Unlock()
	})
	c.m = newCacheMetrics(o.Registerer, c)
	return c
}

// Store is the store read.
func (c *Cached) Store() *Store { return c.s }

// Invalidate drops what the cache holds of customerIDs, and keeps reads
// that began before from storing what they read. origin labels the series
// (OriginStore, OriginBus).
func (c *Cached) Invalidate(origin string, customerIDs []string) {
	if len(customerIDs) == 0 {
		return
	}
	now := c.now()
	c.mu.Lock()
	c.seq++
	for _, id := range customerIDs {
		c.tombstones[id] = tombstone{seq: c.seq, at: now}
		c.entries.Remove(id)
		c.owners.drop(id)
		// A read under way began before the change: later readers read
		// again rather than wait for it.
		delete(c.inflight, id)
	}
	for id, t := range c.tombstones {
		if now.Sub(t.at) > fillHorizon {
			delete(c.tombstones, id)
		}
	}
	c.mu.Unlock()
	for _, id := range customerIDs {
		c.dropActivity(id)
	}
	c.m.invalidations.WithLabelValues(origin).Add(float64(len(customerIDs)))
}

// Purge drops everything: a replica that may have missed invalidations
// (its bus connection was cut) starts over.
func (c *Cached) Purge() {
	c.mu.Lock()
	c.seq++
	c.purgedAt = c.seq
	c.entries.Purge()
	clear(c.inflight)
	c.mu.Unlock()
	c.acts.Purge()
	c.owners.purge()
	c.m.purges.Inc()
}

// Len is the number of customers held.
func (c *Cached) Len() int { return c.entries.Len() }

func (c *Cached) begin() ticket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ticket{seq: c.seq, at: c.now()}
}

// fillable reports whether what a read that began at t says of id may be
// stored. Call it with c.mu held.
func (c *Cached) fillable(id string, t ticket) bool {
	if t.seq < c.purgedAt || c.now().Sub(t.at) > fillHorizon {
		return false
	}
	ts, dead := c.tombstones[id]
	return !dead || ts.seq <= t.seq
}

// get returns the live entry of id, nil when none.
func (c *Cached) get(id string) *entry {
	e, ok := c.entries.Get(id)
	if !ok {
		return nil
	}
	if c.ttl > 0 && c.now().Sub(e.at) > c.ttl {
		c.entries.Remove(id)
		return nil
	}
	return e
}

// load returns the entries of the existing customers among ids, reading
// the missing ones from the store: the customer, keys and marks documents,
// by _id, in parallel. A customer another read is already fetching is
// waited for, not read again: a customer 360 asks for the customer and its
// identities at once, and both miss together.
func (c *Cached) load(ctx context.Context, ids []string) (map[string]*entry, error) {
	out := make(map[string]*entry, len(ids))
	var miss []string
	var mine, theirs map[string]*fill
	c.mu.Lock()
	for _, id := range sortedUnique(ids) {
		if e := c.get(id); e != nil {
			out[id] = e
			continue
		}
		if f := c.inflight[id]; f != nil {
			if theirs == nil {
				theirs = map[string]*fill{}
			}
			theirs[id] = f
			continue
		}
		if mine == nil {
			mine = map[string]*fill{}
		}
		f := &fill{done: make(chan struct{})}
		c.inflight[id] = f
		mine[id] = f
		miss = append(miss, id)
	}
	c.mu.Unlock()
	c.m.hit(partCustomer, len(out), len(miss)+len(theirs))
	if len(miss) > 0 {
		read, err := c.read(ctx, miss)
		c.mu.Lock()
		for id, f := range mine {
			f.e, f.err = read[id], err
			if c.inflight[id] == f {
				delete(c.inflight, id)
			}
			close(f.done)
		}
		c.mu.Unlock()
		if err != nil {
			return nil, err
		}
		for id, e := range read {
			out[id] = e
		}
	}
	for id, f := range theirs {
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err != nil {
			return nil, f.err
		}
		if f.e != nil {
			out[id] = f.e
		}
	}
	return out, nil
}

// fill is a read of one customer under way: readers that miss the same
// customer meanwhile wait for it.
type fill struct {
	done chan struct{}
	e    *entry // nil: no such customer
	err  error
}

// read reads the customers ids from the store, through the gate, and
// caches what may be cached; a customer that does not exist is absent.
func (c *Cached) read(ctx context.Context, miss []string) (map[string]*entry, error) {
	t := c.begin()
	release, err := c.gate.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	var (
		wg                 sync.WaitGroup
		customers          map[string]*Customer
		keys               map[string]*keysDoc
		fresh              bool
		consents, activity map[string]bool
		errC, errK, errM   error
	)
	wg.Go(func() { customers, errC = c.s.customersByID(ctx, miss) })
	wg.Go(func() { keys, fresh, errK = c.s.readKeys(ctx, miss) })
	wg.Go(func() { consents, activity, errM = c.s.marked(ctx, miss) })
	wg.Wait()
	for _, err := range []error{errC, errK, errM} {
		if err != nil {
			return nil, err
		}
	}
	out := make(map[string]*entry, len(miss))
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range miss {
		cust := customers[id]
		if cust == nil {
			continue
		}
		e := &entry{at: t.at, customer: *cust, hasConsents: consents[id], hasActivity: activity[id]}
		if k := keys[id]; k != nil {
			e.keys = *k
		}
		e.keys.Identities = slices.Clip(e.keys.Identities)
		e.keys.Merged = slices.Clip(e.keys.Merged)
		out[id] = e
		if fresh && c.fillable(id, t) {
			c.entries.Add(id, e)
		}
	}
	return out, nil
}

// Resolve implements Reader: the active customer each ID ends on, merges
// followed, nil for an unknown ID.
func (c *Cached) Resolve(ctx context.Context, ids []string) ([]*Customer, error) {
	docs := map[string]*entry{}
	want := ids
	for hop := 0; len(want) > 0; hop++ {
		if hop > maxHops {
			return nil, errTooDeep
		}
		found, err := c.load(ctx, want)
		if err != nil {
			return nil, err
		}
		var next []string
		for _, id := range want {
			e := found[id]
			docs[id] = e
			if e != nil && e.customer.MergedInto != "" {
				if _, seen := docs[e.customer.MergedInto]; !seen {
					next = append(next, e.customer.MergedInto)
				}
			}
		}
		want = sortedUnique(next)
	}
	out := make([]*Customer, len(ids))
	for i, id := range ids {
		e := docs[id]
		for hop := 0; e != nil && e.customer.MergedInto != "" && hop <= maxHops; hop++ {
			e = docs[e.customer.MergedInto]
		}
		if e != nil {
			cust := e.customer
			out[i] = &cust
		}
	}
	return out, nil
}

// IdentitiesOf implements Reader. The lists are shared with other readers:
// they must not be modified (appending copies them).
func (c *Cached) IdentitiesOf(ctx context.Context, customerIDs []string) ([][]Identity, error) {
	found, err := c.load(ctx, customerIDs)
	if err != nil {
		return nil, err
	}
	out := make([][]Identity, len(customerIDs))
	for i, id := range customerIDs {
		if e := found[id]; e != nil && len(e.keys.Identities) > 0 {
			out[i] = e.keys.Identities
		}
	}
	return out, nil
}

// MergedIDs implements Reader. The lists are shared: see IdentitiesOf.
func (c *Cached) MergedIDs(ctx context.Context, ids []string) ([][]string, error) {
	found, err := c.load(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(ids))
	for i, id := range ids {
		if e := found[id]; e != nil && len(e.keys.Merged) > 0 {
			out[i] = e.keys.Merged
		}
	}
	return out, nil
}

// Owners implements Reader: identities by _id, the ones held answered from
// the cache (see ownerCache), the others read in one round trip.
func (c *Cached) Owners(ctx context.Context, identityIDs []string) ([]*Identity, error) {
	out := make([]*Identity, len(identityIDs))
	now := c.now()
	var miss []string
	for i, id := range identityIDs {
		if idn, ok := c.owners.get(id, now, c.ttl); ok {
			out[i] = &idn
			continue
		}
		miss = append(miss, id)
	}
	c.m.hit(partOwner, len(identityIDs)-len(miss), len(miss))
	if len(miss) == 0 {
		return out, nil
	}
	miss = sortedUnique(miss)
	t := c.begin()
	release, err := c.gate.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	found, err := c.s.Owners(ctx, miss)
	release()
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Identity, len(miss))
	c.mu.Lock()
	for i, idn := range found {
		if idn == nil {
			continue
		}
		byID[miss[i]] = idn
		if c.fillable(idn.CustomerID, t) {
			c.owners.put(*idn, t.at)
		}
	}
	c.mu.Unlock()
	for i, id := range identityIDs {
		if out[i] == nil && byID[id] != nil {
			cp := *byID[id]
			out[i] = &cp
		}
	}
	return out, nil
}

// Histories implements Reader: not cached (identity history is read
// rarely, by people looking at one customer's links).
func (c *Cached) Histories(ctx context.Context, qs []HistoryQuery) ([][]Event, error) {
	release, err := c.gate.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return c.s.Histories(ctx, qs)
}

// SearchCustomers implements Reader: not cached (see Store.SearchCustomers).
func (c *Cached) SearchCustomers(ctx context.Context, f Filter, after string, limit int) ([]Customer, error) {
	release, err := c.gate.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return c.s.SearchCustomers(ctx, f, after, limit)
}

// ConsentsFor implements Reader: each customer's own records and those of
// the customers merged directly into it, newest first. Only customers with
// a consents mark are read, once each until invalidated.
func (c *Cached) ConsentsFor(ctx context.Context, customerIDs []string) ([][]Consent, error) {
	found, err := c.load(ctx, customerIDs)
	if err != nil {
		return nil, err
	}
	var merged []string
	for _, e := range found {
		merged = append(merged, e.keys.Merged...)
	}
	if len(merged) > 0 {
		more, err := c.load(ctx, merged)
		if err != nil {
			return nil, err
		}
		for id, e := range more {
			found[id] = e
		}
	}
	own := make(map[string][]Consent, len(found))
	var read []string
	hits := 0
	for id, e := range found {
		switch {
		case !e.hasConsents:
		case e.consentsRead:
			own[id] = e.consents
			hits++
		default:
			read = append(read, id)
		}
	}
	c.m.hit(partConsents, hits, len(read))
	if len(read) > 0 {
		slices.Sort(read)
		t := c.begin()
		release, err := c.gate.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		lists, err := c.s.ConsentsOf(ctx, read)
		release()
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		for i, id := range read {
			own[id] = lists[i]
			if cur, ok := c.entries.Peek(id); ok && cur == found[id] && c.fillable(id, t) {
				next := *cur
				next.consents, next.consentsRead = slices.Clip(lists[i]), true
				c.entries.Add(id, &next)
			}
		}
		c.mu.Unlock()
	}
	out := make([][]Consent, len(customerIDs))
	for i, id := range customerIDs {
		e := found[id]
		if e == nil {
			continue
		}
		list := slices.Clone(own[id])
		for _, m := range e.keys.Merged {
			list = append(list, own[m]...)
		}
		if len(list) == 0 {
			continue
		}
		slices.SortStableFunc(list, func(a, b Consent) int {
			return cmp.Or(b.RecordedAt.Compare(a.RecordedAt), strings.Compare(b.ID, a.ID))
		})
		out[i] = list
	}
	return out, nil
}

// ActivityPage implements Reader. Customers without an activity mark cost
// no query; the others are read in one query per page of customers missing
// from the cache, and cached per customer and query.
func (c *Cached) ActivityPage(ctx context.Context, customerIDs []string, q ActivityQuery) ([][]Activity, error) {
	out := make([][]Activity, len(customerIDs))
	if len(customerIDs) == 0 {
		return out, nil
	}
	if q.Limit <= 0 {
		return nil, errActivityLimit
	}
	found, err := c.load(ctx, customerIDs)
	if err != nil {
		return nil, err
	}
	got := map[string][]Activity{}
	var read []string
	for _, id := range sortedUnique(customerIDs) {
		e := found[id]
		if e == nil || !e.hasActivity {
			continue
		}
		k := c.activityKey(id, q)
		if page, ok := c.acts.Get(k); ok {
			if c.ttl <= 0 || c.now().Sub(page.at) <= c.ttl {
				got[id] = page.items
				continue
			}
			c.acts.Remove(k)
		}
		read = append(read, id)
	}
	c.m.hit(partActivity, len(got), len(read))
	if len(read) > 0 {
		t := c.begin()
		release, err := c.gate.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		lists, err := c.s.activityPage(ctx, read, q)
		release()
		if err != nil {
			return nil, err
		}
		for i, id := range read {
			got[id] = lists[i]
			c.putActivity(id, c.activityKey(id, q), slices.Clip(lists[i]), t)
		}
	}
	for i, id := range customerIDs {
		out[i] = got[id]
	}
	return out, nil
}

func (c *Cached) activityKey(id string, q ActivityQuery) activityKey {
	return activityKey{customer: id, since: nanos(q.Since), until: nanos(q.Until), limit: q.Limit,
		channels: strings.Join(q.Channels, "\x00"), types: strings.Join(q.Types, "\x00")}
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// putActivity stores a customer's page unless invalidated since t, then
// evicts the least recently used pages until the items fit the budget.
func (c *Cached) putActivity(id string, k activityKey, items []Activity, t ticket) {
	if len(items) > c.actBudget/4 {
		return // one customer must not take the whole budget
	}
	c.mu.Lock()
	if !c.fillable(id, t) {
		c.mu.Unlock()
		return
	}
	c.actMu.Lock()
	set := c.actIndex[id]
	if set == nil {
		set = map[activityKey]struct{}{}
		c.actIndex[id] = set
	}
	set[k] = struct{}{}
	c.actItems += len(items)
	c.actMu.Unlock()
	// Under c.mu, so that an invalidation cannot pass between the check
	// and the add.
	c.acts.Add(k, activityPage{at: t.at, items: items})
	c.mu.Unlock()
	for {
		c.actMu.Lock()
		over := c.actItems > c.actBudget
		c.actMu.Unlock()
		if !over {
			return
		}
		if _, _, ok := c.acts.RemoveOldest(); !ok {
			return
		}
	}
}

// dropActivity drops every cached page of a customer.
func (c *Cached) dropActivity(id string) {
	c.actMu.Lock()
	keys := make([]activityKey, 0, len(c.actIndex[id]))
	for k := range c.actIndex[id] {
		keys = append(keys, k)
	}
	c.actMu.Unlock()
	for _, k := range keys {
		c.acts.Remove(k)
	}
}

// activityItems is how many stored activity items are held.
func (c *Cached) activityItems() int {
	c.actMu.Lock()
	defer c.actMu.Unlock()
	return c.actItems
}

// Cache parts, as harmony_store_cache_requests_total labels them.
const (
	partCustomer = "customer"
	partConsents = "consents"
	partActivity = "activity"
	partOwner    = "owner"
)

type cacheMetrics struct {
	requests      *prometheus.CounterVec
	invalidations *prometheus.CounterVec
	purges        prometheus.Counter
}

func newCacheMetrics(reg prometheus.Registerer, c *Cached) *cacheMetrics {
	m := &cacheMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_store_cache_requests_total",
			Help: "Customers (identities, for part owner) the profile store's read cache was asked for, by part (customer: customer, keys and marks documents; consents; activity; owner: an identity and the customer it belongs to) and result (hit, miss: read from the store).",
		}, []string{"part", "result"}),
		invalidations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_store_cache_invalidations_total",
			Help: "Customers dropped from the profile store's read cache, by origin (store: this replica's writes; bus: another replica's).",
		}, []string{"origin"}),
		purges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "harmony_store_cache_purges_total",
			Help: "Times the profile store's read cache was emptied because invalidations may have been lost (the bus connection was cut).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.invalidations, m.purges,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "harmony_store_cache_customers",
				Help: "Customers held by the profile store's read cache, bounded by store.cache.max_customers.",
			}, func() float64 { return float64(c.Len()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "harmony_store_cache_activity_items",
				Help: "Stored activity items held by the profile store's read cache.",
			}, func() float64 { return float64(c.activityItems()) }))
	}
	return m
}

func (m *cacheMetrics) hit(part string, hits, misses int) {
	if hits > 0 {
		m.requests.WithLabelValues(part, "hit").Add(float64(hits))
	}
	if misses > 0 {
		m.requests.WithLabelValues(part, "miss").Add(float64(misses))
	}
}
