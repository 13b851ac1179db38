package search_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/search"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"

	"github.com/harmonyhq/harmony/internal/testlog"
)

// system is an in-process channel system behind the real guard: it serves
// profiles (and orders when it is an orderSystem), counts its calls and can
// fail.
type system struct {
	mu       sync.Mutex
	profiles map[string]connectors.Profile
	orders   map[string][]connectors.Order
	fail     bool
	calls    map[connectors.Capability][]int // keys per call
}

func newSystem() *system {
	return &system{profiles: map[string]connectors.Profile{}, orders: map[string][]connectors.Order{}, calls: map[connectors.Capability][]int{}}
}

func (s *system) Close() error { return nil }

func (s *system) Profiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[connectors.CapProfiles] = append(s.calls[connectors.CapProfiles], len(keys))
	if s.fail {
		return nil, connectors.Errorf(connectors.CodeUnavailable, "down")
	}
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		if p, ok := s.profiles[k]; ok {
			out[i] = &p
		}
	}
	return out, nil
}

func (s *system) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[connectors.Capability][]int{}
}

func (s *system) callCounts() map[connectors.Capability]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[connectors.Capability]int{}
	for c, calls := range s.calls {
		out[c] = len(calls)
	}
	return out
}

func (s *system) set(f func(*system)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

type orderSystem struct{ *system }

func (s orderSystem) Orders(_ context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[connectors.CapOrders] = append(s.calls[connectors.CapOrders], len(keys))
	if s.fail {
		return nil, connectors.Errorf(connectors.CodeUnavailable, "down")
	}
	out := make([][]connectors.Order, len(keys))
	for i, k := range keys {
		out[i] = s.orders[k]
		if len(out[i]) > w.Limit {
			out[i] = out[i][:w.Limit]
		}
	}
	return out, nil
}

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type fixture struct {
	store    *store.Store
	crm      *system // profiles
	shop     *system // profiles and orders
	ix       *search.Indexer
	logs     *bytes.Buffer
	customer []string
}

func profile(key, given, family string) connectors.Profile {
	return connectors.Profile{Key: key, Fields: map[string]string{connectors.FieldGivenName: given, connectors.FieldFamilyName: family}}
}

func order(key, id string, daysAgo int, minor int64, currency, status string) connectors.Order {
	return connectors.Order{ID: id, CustomerKey: key, PlacedAt: t0.AddDate(0, 0, -daysAgo), Status: status, Total: connectors.Money{Minor: minor, Currency: currency}}
}

// newFixture links five customers: cus_1 in the CRM and twice in the shop,
// cus_2 in the CRM, cus_3 in the shop, cus_4 in both, cus_5 nowhere, and
// cus_9 merged into cus_1.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{store: storetest.Open(t), crm: newSystem(), shop: newSystem(), logs: &bytes.Buffer{}}
	f.crm.profiles["c1"] = profile("c1", "Márquez", "Le Gall")
	f.crm.profiles["c2"] = profile("c2", "Marie", "Dupont")
	f.crm.profiles["c4"] = profile("c4", "Jürgen", "Schröder")
	f.shop.profiles["s1"] = profile("s1", "Maria", "Marquez")
	f.shop.profiles["s1b"] = connectors.Profile{Key: "s1b", Fields: map[string]string{"name": "Mia Gall"}}
	f.shop.profiles["s3"] = profile("s3", "Olivia", "Smith")
	f.shop.profiles["s4"] = profile("s4", "Jurgen", "Schroeder")
	f.shop.orders["s1"] = []connectors.Order{
		order("s1", "o3", 2, 4990, "EUR", "paid"),
		order("s1", "o2", 40, 10000, "EUR", "refunded"),
		order("s1", "o1", 100, 1500, "GBP", "paid"),
	}
	f.shop.orders["s1b"] = []connectors.Order{order("s1b", "o4", 10, 1010, "EUR", "fulfilled")}
	f.shop.orders["s3"] = []connectors.Order{order("s3", "o5", 400, 100000, "JPY", "paid")}

	if _, err := f.store.AddCustomers(ctx, []store.Customer{
		{ID: "cus_1", CreatedAt: t0}, {ID: "cus_2", CreatedAt: t0}, {ID: "cus_3", CreatedAt: t0},
		{ID: "cus_4", CreatedAt: t0}, {ID: "cus_5", CreatedAt: t0}, {ID: "cus_9", CreatedAt: t0, MergedInto: "cus_1"},
	}); err != nil {
		t.Fatal(err)
	}
	f.customer = []string{"cus_1", "cus_2", "cus_3", "cus_4", "cus_5"}
	link := func(cus, system, key string) store.Identity {
		return store.Identity{ID: store.IdentityID(store.KindExternalID, system, key), CustomerID: cus, Kind: store.KindExternalID, System: system, Value: key, LinkedAt: t0}
	}
	if _, err := f.store.AddIdentities(ctx, []store.Identity{
		link("cus_1", "crm", "c1"), link("cus_1", "shop", "s1"), link("cus_1", "shop", "s1b"),
		link("cus_2", "crm", "c2"), link("cus_3", "shop", "s3"),
		link("cus_4", "crm", "c4"), link("cus_4", "shop", "s4"),
		link("cus_9", "crm", "c9"),
		{ID: store.IdentityID(store.KindEmail, "", "marie@example.com"), CustomerID: "cus_2", Kind: store.KindEmail, Value: "marie@example.com", LinkedAt: t0},
	}); err != nil {
		t.Fatal(err)
	}
	crm := sources.New("crm", "go", f.crm, sources.Options{MaxBatch: 100}, nil, nil)
	shop := sources.New("shop", "go", orderSystem{f.shop}, sources.Options{MaxBatch: 100}, nil, nil)
	set, err := sources.NewSet(crm, shop)
	if err != nil {
		t.Fatal(err)
	}
	f.ix = &search.Indexer{Store: f.store, Sources: set, Now: func() time.Time { return t0 }, PageSize: 2,
		Log: slog.New(slog.NewJSONHandler(testlog.Tee(f.logs), nil))}
	// As the gateway wires it (through the bus).
	f.store.OnChange(func(_ context.Context, ids []string) { f.ix.Changed(ids) })
	return f
}

func (f *fixture) projections(t *testing.T) map[string]*store.SearchProjection {
	t.Helper()
	ids := append(slices.Clone(f.customer), "cus_9")
	got, err := f.store.SearchProjections(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*store.SearchProjection{}
	for i, id := range ids {
		out[id] = got[i]
	}
	return out
}

func TestIndexAll(t *testing.T) {
	f := newFixture(t)
	rep, err := f.ix.IndexAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Customers != 5 || rep.Pages != 3 || len(rep.Failed) != 0 {
		t.Errorf("report = %+v, want 5 customers in 3 pages, no failure", rep)
	}
	got := f.projections(t)
	day := func(n int) *time.Time { x := t0.AddDate(0, 0, -n); return &x }
	tests := []struct {
		customer   string
		names      []string
		systems    []string
		orders     int
		lastOrder  *time.Time
		spend      map[string]float64
		wantAbsent bool
	}{
		{customer: "cus_1",
			names:   []string{"gall", "le", "le gall", "legall", "maria", "marquez", "mia", "mia gall", "miagall"},
			systems: []string{"crm", "shop"}, orders: 4, lastOrder: day(2),
			// the refunded order is counted, not spent; two shop records add up
			spend: map[string]float64{"EUR": 60, "GBP": 15}},
		{customer: "cus_2", names: []string{"dupont", "marie"}, systems: []string{"crm"}, spend: map[string]float64{}},
		{customer: "cus_3", names: []string{"olivia", "smith"}, systems: []string{"shop"}, orders: 1, lastOrder: day(400),
			spend: map[string]float64{"JPY": 100000}},
		{customer: "cus_4", names: []string{"jurgen", "schroder", "schroeder"}, systems: []string{"crm", "shop"}, spend: map[string]float64{}},
		{customer: "cus_5", names: []string{}, systems: []string{}, spend: map[string]float64{}},
		{customer: "cus_9", wantAbsent: true},
	}
	for _, tt := range tests {
		t.Run(tt.customer, func(t *testing.T) {
			p := got[tt.customer]
			if tt.wantAbsent {
				if p != nil {
					t.Fatalf("merged-away customer indexed: %+v", p)
				}
				return
			}
			if p == nil {
				t.Fatal("not indexed")
			}
			if !slices.Equal(p.Names, tt.names) {
				t.Errorf("names = %q, want %q", p.Names, tt.names)
			}
			if !slices.Equal(p.Systems, tt.systems) {
				t.Errorf("systems = %v, want %v", p.Systems, tt.systems)
			}
			if p.OrderCount != tt.orders {
				t.Errorf("order count = %d, want %d", p.OrderCount, tt.orders)
			}
			if (p.LastOrderAt == nil) != (tt.lastOrder == nil) || (p.LastOrderAt != nil && !p.LastOrderAt.Equal(*tt.lastOrder)) {
				t.Errorf("last order = %v, want %v", p.LastOrderAt, tt.lastOrder)
			}
			if fmt.Sprint(p.Spend) != fmt.Sprint(tt.spend) {
				t.Errorf("spend = %v, want %v", p.Spend, tt.spend)
			}
			if !p.IndexedAt.Equal(t0) {
				t.Errorf("indexed at %v, want %v", p.IndexedAt, t0)
			}
		})
	}
}

func TestIndexAllCallsEachSourceOncePerPage(t *testing.T) {
	tests := []struct {
		pageSize, pages int
	}{{1, 5}, {2, 3}, {5, 1}, {200, 1}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("pages of %d", tt.pageSize), func(t *testing.T) {
			f := newFixture(t)
			f.ix.PageSize = tt.pageSize
			rep, err := f.ix.IndexAll(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Pages != tt.pages {
				t.Fatalf("pages = %d, want %d", rep.Pages, tt.pages)
			}
			// One call per page that has keys in the system, never one per
			// customer or per key.
			pagesWith := func(customers ...string) int {
				n := 0
				for start := 0; start < len(f.customer); start += tt.pageSize {
					page := f.customer[start:min(start+tt.pageSize, len(f.customer))]
					if slices.ContainsFunc(page, func(c string) bool { return slices.Contains(customers, c) }) {
						n++
					}
				}
				return n
			}
			crmPages, shopPages := pagesWith("cus_1", "cus_2", "cus_4"), pagesWith("cus_1", "cus_3", "cus_4")
			if got := f.crm.callCounts(); got[connectors.CapProfiles] != crmPages || len(got) != 1 {
				t.Errorf("crm calls = %v, want %d profiles calls", got, crmPages)
			}
			if got := f.shop.callCounts(); got[connectors.CapProfiles] != shopPages || got[connectors.CapOrders] != shopPages {
				t.Errorf("shop calls = %v, want %d of each", got, shopPages)
			}
		})
	}
}

func TestFailingSourceKeepsItsFields(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.ix.IndexAll(ctx); err != nil {
		t.Fatal(err)
	}
	before := f.projections(t)

	// The shop goes down and both systems change.
	f.shop.set(func(s *system) {
		s.fail = true
		s.orders["s3"] = nil
		s.profiles["s3"] = profile("s3", "Changed", "Name")
	})
	f.crm.set(func(s *system) {
		s.profiles["c2"] = profile("c2", "Mariette", "Dupont")
		s.profiles["c4"] = profile("c4", "Hans", "Schröder")
	})
	later := t0.Add(time.Hour)
	f.ix.Now = func() time.Time { return later }
	rep, err := f.ix.IndexAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Failed, []string{"shop"}) {
		t.Errorf("failed = %v, want [shop]", rep.Failed)
	}
	after := f.projections(t)
	// Customers without a shop record get the CRM's change; those with one
	// keep the fields the shop feeds (names, orders, spend) as they were.
	if !slices.Contains(after["cus_2"].Names, "mariette") || slices.Contains(after["cus_2"].Names, "marie") {
		t.Errorf("cus_2 (CRM only) names = %v, want the CRM's new name", after["cus_2"].Names)
	}
	if p := after["cus_3"]; !slices.Equal(p.Names, before["cus_3"].Names) || p.OrderCount != 1 || p.Spend["JPY"] != 100000 || p.LastOrderAt == nil {
		t.Errorf("cus_3 (shop only) = %+v, want its last values", p)
	}
	if p := after["cus_4"]; !slices.Equal(p.Names, before["cus_4"].Names) {
		t.Errorf("cus_4 (CRM and shop) names = %v, want them as they were", p.Names)
	}
	if p := after["cus_1"]; !slices.Equal(p.Names, before["cus_1"].Names) || p.OrderCount != 4 || fmt.Sprint(p.Spend) != fmt.Sprint(before["cus_1"].Spend) {
		t.Errorf("cus_1 = %+v, want the names, orders and spend kept", p)
	}
	if !slices.Equal(after["cus_1"].Systems, []string{"crm", "shop"}) {
		t.Errorf("cus_1 systems = %v: systems come from the identity graph, not the sources", after["cus_1"].Systems)
	}
	// Frozen whole, cus_3's projection is as it was: not written again.
	if !after["cus_3"].IndexedAt.Equal(t0) {
		t.Errorf("indexed at %v, want %v (unchanged)", after["cus_3"].IndexedAt, t0)
	}
	if !after["cus_2"].IndexedAt.Equal(later) {
		t.Errorf("cus_2 indexed at %v, want %v (changed)", after["cus_2"].IndexedAt, later)
	}
	// The log names the connector and the code, never a person.
	logs := f.logs.String()
	if !strings.Contains(logs, `"connector":"shop"`) || !strings.Contains(logs, `"code":"UPSTREAM_UNAVAILABLE"`) {
		t.Errorf("logs do not name the failing source and its code:\n%s", logs)
	}
	for _, personal := range []string{"Changed", "Olivia", "olivia", "Mariette", "marie", "s3", "c2"} {
		if strings.Contains(logs, personal) {
			t.Errorf("logs carry %q:\n%s", personal, logs)
		}
	}

	// Back up: everything is current again.
	f.shop.set(func(s *system) { s.fail = false })
	if _, err := f.ix.IndexAll(ctx); err != nil {
		t.Fatal(err)
	}
	recovered := f.projections(t)
	if p := recovered["cus_3"]; p.OrderCount != 0 || len(p.Spend) != 0 || p.LastOrderAt != nil || !slices.Contains(p.Names, "changed") {
		t.Errorf("cus_3 after recovery = %+v", p)
	}
	if p := recovered["cus_4"]; !slices.Contains(p.Names, "hans") || !slices.Contains(p.Names, "jurgen") {
		t.Errorf("cus_4 after recovery = %v, want the CRM's Hans and the shop's Jurgen", p.Names)
	}
}

// TestIndexAllWritesWhatChanged: a run over systems that did not change
// writes nothing; one that finds a change writes that customer only; a
// projection of a customer no longer active goes.
func TestIndexAllWritesWhatChanged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	steps := []struct {
		name    string
		change  func()
		written int
	}{
		{"first run", func() {}, 5},
		{"nothing changed", func() {}, 0},
		{"one name changed", func() { f.crm.set(func(s *system) { s.profiles["c2"] = profile("c2", "Zoé", "Dupont") }) }, 1},
		{"one order placed", func() {
			f.shop.set(func(s *system) { s.orders["s4"] = []connectors.Order{order("s4", "o9", 1, 100, "EUR", "paid")} })
		}, 1},
		{"a customer merged away", func() {
			if _, err := f.store.Merge(ctx, "cus_1", "cus_5", "t", "", t0, 50); err != nil {
				t.Fatal(err)
			}
		}, 0},
		{"a projection left over, found by a run that reads everything", func() {
			if err := f.store.SetSearchProjections(ctx, map[string]store.SearchProjection{"cus_9": {Names: []string{"x"}}}); err != nil {
				t.Fatal(err)
			}
			f.ix.Forget()
		}, 0},
	}
	for _, st := range steps {
		st.change()
		rep, err := f.ix.IndexAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Written != st.written {
			t.Errorf("%s: wrote %d projections, want %d (report %+v)", st.name, rep.Written, st.written, rep)
		}
	}
	if got := f.projections(t); got["cus_5"] != nil || got["cus_9"] != nil || !slices.Contains(got["cus_2"].Names, "zoe") || got["cus_4"].OrderCount != 1 {
		t.Errorf("projections = cus_5 %+v, cus_9 %+v, cus_2 %+v, cus_4 %+v", got["cus_5"], got["cus_9"], got["cus_2"], got["cus_4"])
	}
}

// TestIndexAllReadsOnlyWhatChanged: after the first run, a run reads the
// store again only for the customers the change hook named.
func TestIndexAllReadsOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	finds := func() int64 {
		var n int64
		for _, c := range []string{"customers", "customer_keys", "customer_search", "identities"} {
			n += f.store.Commands("find", c)
		}
		return n
	}
	if _, err := f.ix.IndexAll(ctx); err != nil {
		t.Fatal(err)
	}
	before := finds()
	if _, err := f.ix.IndexAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := finds() - before; n != 0 {
		t.Errorf("a run with nothing changed made %d finds, want 0", n)
	}
	// A new identity: its customer is read again, and only it.
	if _, err := f.store.AddIdentities(ctx, []store.Identity{{ID: store.IdentityID(store.KindExternalID, "crm", "c5"),
		CustomerID: "cus_5", Kind: store.KindExternalID, System: "crm", Value: "c5", LinkedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	f.crm.set(func(s *system) { s.profiles["c5"] = profile("c5", "Nina", "Nowak") })
	before = finds()
	rep, err := f.ix.IndexAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := finds() - before; n == 0 || n > 4 {
		t.Errorf("a run after one change made %d finds, want a few _id lookups", n)
	}
	if rep.Written != 1 || !slices.Contains(f.projections(t)["cus_5"].Names, "nina") {
		t.Errorf("report %+v, cus_5 = %+v", rep, f.projections(t)["cus_5"])
	}
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.ix.IndexAll(ctx); err != nil {
		t.Fatal(err)
	}
	f.crm.set(func(s *system) { s.profiles["c2"] = profile("c2", "Zoé", "Dupont") })
	f.crm.reset()
	f.shop.reset()
	later := t0.Add(time.Hour)
	f.ix.Now = func() time.Time { return later }
	// Duplicates, an unknown and a merged-away customer are taken in stride.
	if err := f.ix.Refresh(ctx, []string{"cus_2", "cus_2", "cus_missing", "cus_9"}); err != nil {
		t.Fatal(err)
	}
	got := f.projections(t)
	if p := got["cus_2"]; !slices.Contains(p.Names, "zoe") || !p.IndexedAt.Equal(later) {
		t.Errorf("refreshed cus_2 = %+v", p)
	}
	if p := got["cus_1"]; !p.IndexedAt.Equal(t0) {
		t.Errorf("cus_1 was re-indexed at %v", p.IndexedAt)
	}
	if got["cus_9"] != nil {
		t.Error("merged-away customer indexed")
	}
	if c := f.crm.callCounts(); c[connectors.CapProfiles] != 1 {
		t.Errorf("crm calls = %v, want 1", c)
	}
	if c := f.shop.callCounts(); len(c) != 0 {
		t.Errorf("shop calls = %v, want none (cus_2 has no shop record)", c)
	}
	if err := f.ix.Refresh(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// TestOrdersCappedPerSystem: like CustomerMetrics.orderCount, at most the
// newest 500 orders of one system count, however many records the customer
// has there.
func TestOrdersCappedPerSystem(t *testing.T) {
	f := newFixture(t)
	f.shop.set(func(s *system) {
		s.orders["s1"], s.orders["s1b"] = nil, nil
		for i := range 300 {
			s.orders["s1"] = append(s.orders["s1"], order("s1", fmt.Sprintf("a%03d", i), i, 100, "EUR", "paid"))
			s.orders["s1b"] = append(s.orders["s1b"], order("s1b", fmt.Sprintf("b%03d", i), 300+i, 100, "EUR", "paid"))
		}
	})
	if _, err := f.ix.IndexAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := f.projections(t)["cus_1"]
	if p.OrderCount != search.MaxOrders || p.Spend["EUR"] != 500 || p.LastOrderAt == nil || !p.LastOrderAt.Equal(t0) {
		t.Errorf("cus_1 = %d orders, spend %v, last %v; want the newest 500: 500 orders, 500 EUR, last at %v", p.OrderCount, p.Spend, p.LastOrderAt, t0)
	}
}
