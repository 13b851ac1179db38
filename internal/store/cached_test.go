package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/internal/testenv"
)

// replica is one gateway's view of a shared profile store: its own store
// client, cache and bus connection, wired as the gateway wires them.
type replica struct {
	store  *store.Store
	cached *store.Cached
	reg    *prometheus.Registry
}

// wire connects a store's change hook and a bus to a cache, as app does:
// this replica's changes go on the bus, whose handlers run on this replica
// before Invalidate returns, and on the others when it delivers.
func wire(s *store.Store, c *store.Cached, b bus.Bus) {
	s.OnChange(func(ctx context.Context, ids []string) {
		_ = b.Invalidate(ctx, bus.Invalidation{CustomerIDs: ids})
	})
	b.OnInvalidate(func(inv bus.Invalidation) {
		switch {
		case inv.All:
			c.Purge()
		case inv.Remote:
			c.Invalidate(store.OriginBus, inv.CustomerIDs)
		default:
			c.Invalidate(store.OriginStore, inv.CustomerIDs)
		}
	})
}

func newReplica(t *testing.T, srv *storetest.Server, b bus.Bus) *replica {
	t.Helper()
	s := srv.Open(t)
	reg := prometheus.NewRegistry()
	c := store.NewCached(s, store.CacheOptions{MaxCustomers: 100, TTL: time.Hour, Registerer: reg})
	wire(s, c, b)
	return &replica{store: s, cached: c, reg: reg}
}

// view is what a reader sees of a customer: who it resolves to, its
// identity values, merged customers, consents and stored activity.
func (r *replica) view(t *testing.T, id string) string {
	t.Helper()
	ctx := context.Background()
	res, err := r.cached.Resolve(ctx, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if res[0] == nil {
		return "none"
	}
	c := res[0]
	idents, err := r.cached.IdentitiesOf(ctx, []string{c.ID})
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, idn := range idents[0] {
		values = append(values, idn.Value)
	}
	slices.Sort(values)
	merged, err := r.cached.MergedIDs(ctx, []string{c.ID})
	if err != nil {
		t.Fatal(err)
	}
	consents, err := r.cached.ConsentsFor(ctx, []string{c.ID})
	if err != nil {
		t.Fatal(err)
	}
	var granted []string
	for _, cn := range consents[0] {
		granted = append(granted, fmt.Sprintf("%s=%t", cn.Purpose, cn.Granted))
	}
	acts, err := r.cached.ActivityPage(ctx, []string{c.ID}, store.ActivityQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	erased := ""
	if c.ErasedAt != nil {
		erased = " erased"
	}
	return fmt.Sprintf("%s%s %v merged %v consents %v activity %d", c.ID, erased, values, merged[0], granted, len(acts[0]))
}

var at0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// seedShared stores three customers: Ada, Bea (with a point-of-sale key)
// and Cy.
func seedShared(t *testing.T, s *store.Store) {
	t.Helper()
	seed(t, s, map[string][]store.Identity{
		"cus_a": {idn(store.KindEmail, "", "ada@example.com")},
		"cus_b": {idn(store.KindEmail, "", "bea@example.com"), idn(store.KindExternalID, "pos", "P-1")},
		"cus_c": {idn(store.KindEmail, "", "cy@example.com")},
	})
}

// seededIdentities are the identity IDs seedShared stores.
var seededIdentities = []string{
	store.IdentityID(store.KindEmail, "", "ada@example.com"),
	store.IdentityID(store.KindEmail, "", "bea@example.com"),
	store.IdentityID(store.KindExternalID, "pos", "P-1"),
	store.IdentityID(store.KindEmail, "", "cy@example.com"),
}

// owners says which customer owns each seeded identity ("-" for none).
func owners(t *testing.T, r store.Reader) string {
	t.Helper()
	got, err := r.Owners(context.Background(), seededIdentities)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(got))
	for i, idn := range got {
		out[i] = "-"
		if idn != nil {
			out[i] = idn.CustomerID
		}
	}
	return strings.Join(out, " ")
}

// cacheSteps change the store, each followed by what every replica must
// read: a change made on one replica must show on every replica at once
// (Local) or as soon as the bus delivers it (NATS). Each view was cached
// before the change.
func cacheSteps(s *store.Store) []struct {
	name string
	do   func(ctx context.Context) error
	want map[string]string
} {
	card := idn(store.KindLoyaltyCard, "", "LC-9")
	pos := store.IdentityID(store.KindExternalID, "pos", "P-1")
	detached := ""
	return []struct {
		name string
		do   func(ctx context.Context) error
		want map[string]string
	}{
		{"merge", func(ctx context.Context) error {
			_, err := s.Merge(ctx, "cus_a", "cus_b", "t", "", at0, 50)
			return err
		},
			map[string]string{
				"cus_a": "cus_a [P-1 ada@example.com bea@example.com] merged [cus_b] consents [] activity 0",
				"cus_b": "cus_a [P-1 ada@example.com bea@example.com] merged [cus_b] consents [] activity 0",
			}},
		{"split", func(ctx context.Context) error { _, err := s.Split(ctx, "cus_a", "cus_b", "t", "", at0); return err },
			map[string]string{
				"cus_a": "cus_a [ada@example.com] merged [] consents [] activity 0",
				"cus_b": "cus_b [P-1 bea@example.com] merged [] consents [] activity 0",
			}},
		{"link", func(ctx context.Context) error { _, err := s.Link(ctx, "cus_c", card, "t", "", 50); return err },
			map[string]string{"cus_c": "cus_c [LC-9 cy@example.com] merged [] consents [] activity 0"}},
		{"unlink an identifier", func(ctx context.Context) error {
			_, err := s.Unlink(ctx, "cus_c", card.ID, "t", "", at0)
			return err
		}, map[string]string{"cus_c": "cus_c [cy@example.com] merged [] consents [] activity 0"}},
		{"sync links a new identifier", func(ctx context.Context) error {
			_, err := s.AddIdentities(ctx, []store.Identity{withCustomer(idn(store.KindPhone, "", "+33612345678"), "cus_c")})
			return err
		}, map[string]string{"cus_c": "cus_c [+33612345678 cy@example.com] merged [] consents [] activity 0"}},
		{"unlink a system's key", func(ctx context.Context) error {
			ch, err := s.Unlink(ctx, "cus_b", pos, "t", "", at0)
			detached = ch.Detached
			return err
		}, map[string]string{"cus_b": "cus_b [bea@example.com] merged [] consents [] activity 0"}},
		{"consent", func(ctx context.Context) error {
			_, err := s.AddConsent(ctx, store.Consent{CustomerID: "cus_a", Purpose: "marketing", Granted: true, RecordedAt: at0})
			return err
		}, map[string]string{"cus_a": "cus_a [ada@example.com] merged [] consents [marketing=true] activity 0"}},
		{"consent withdrawn", func(ctx context.Context) error {
			_, err := s.AddConsent(ctx, store.Consent{CustomerID: "cus_a", Purpose: "marketing", Granted: false, RecordedAt: at0.Add(time.Hour)})
			return err
		}, map[string]string{"cus_a": "cus_a [ada@example.com] merged [] consents [marketing=false marketing=true] activity 0"}},
		{"stored activity", func(ctx context.Context) error {
			_, err := s.AddActivities(ctx, []store.Activity{activity("e1", "cus_a", at0), activity("e2", "cus_a", at0.Add(time.Minute))})
			return err
		}, map[string]string{"cus_a": "cus_a [ada@example.com] merged [] consents [marketing=false marketing=true] activity 2"}},
		{"merge brings consents", func(ctx context.Context) error {
			_, err := s.Merge(ctx, "cus_c", "cus_a", "t", "", at0, 50)
			return err
		}, map[string]string{
			"cus_c": "cus_c [+33612345678 ada@example.com cy@example.com] merged [cus_a] consents [marketing=false marketing=true] activity 0",
			"cus_a": "cus_c [+33612345678 ada@example.com cy@example.com] merged [cus_a] consents [marketing=false marketing=true] activity 0",
		}},
		// The consents become one tombstone per customer: when, nothing else.
		{"erase", func(ctx context.Context) error { _, err := s.EraseCustomer(ctx, "cus_a", at0); return err },
			map[string]string{
				"cus_c": "cus_c erased [] merged [cus_a] consents [=false =false] activity 0",
				"cus_a": "cus_c erased [] merged [cus_a] consents [=false =false] activity 0",
			}},
		{"the detached key's customer", func(context.Context) error { return nil },
			map[string]string{detached: "%DETACHED% [P-1] merged [] consents [] activity 0"}},
	}
}

func withCustomer(i store.Identity, c string) store.Identity {
	i.CustomerID = c
	return i
}

// checkSteps runs cacheSteps on writer and checks every reader after each,
// having cached every customer's view first.
func checkSteps(t *testing.T, writer *replica, readers []*replica, settle func(func() bool) bool) {
	t.Helper()
	ctx := context.Background()
	customers := []string{"cus_a", "cus_b", "cus_c"}
	for _, st := range cacheSteps(writer.store) {
		for _, r := range readers {
			for _, id := range customers {
				r.view(t, id) // cached before the change
			}
			owners(t, r.cached) // cached before the change
		}
		if err := st.do(ctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for i, r := range readers {
			for id, want := range st.want {
				if id == "" {
					continue
				}
				want = strings.ReplaceAll(want, "%DETACHED%", id)
				var got string
				if !settle(func() bool { got = r.view(t, id); return got == want }) {
					t.Errorf("%s: reader %d reads %s as %q, want %q", st.name, i, id, got, want)
				}
			}
			// Who owns each seeded identity, as the store says.
			want := owners(t, writer.store)
			var got string
			if !settle(func() bool { got = owners(t, r.cached); return got == want }) {
				t.Errorf("%s: reader %d reads the owners as %q, want %q", st.name, i, got, want)
			}
		}
	}
}

// TestCacheInvalidatedOnOneReplica: every change shows to the next read of
// the replica that made it.
func TestCacheInvalidatedOnOneReplica(t *testing.T) {
	srv := storetest.NewServer(t)
	b := bus.NewLocal(bus.Options{})
	r := newReplica(t, srv, b)
	seedShared(t, r.store)
	checkSteps(t, r, []*replica{r}, func(ok func() bool) bool { return ok() })
	for _, part := range []string{"customer", "owner"} {
		if hits := testutil.ToFloat64(mustCounter(t, r.reg, "harmony_store_cache_requests_total", part, "hit")); hits == 0 {
			t.Errorf("no %s cache hit: the test does not test a cache", part)
		}
	}
}

// TestCacheInvalidatedAcrossReplicas: two gateways, each with its own
// store client and cache, share a store and a bus: a change made on one
// shows on the other. On the in-process bus at once; on NATS as soon as
// the message arrives.
func TestCacheInvalidatedAcrossReplicas(t *testing.T) {
	t.Run("local bus", func(t *testing.T) {
		srv := storetest.NewServer(t)
		b := bus.NewLocal(bus.Options{})
		writer, reader := newReplica(t, srv, b), newReplica(t, srv, b)
		seedShared(t, writer.store)
		checkSteps(t, writer, []*replica{writer, reader}, func(ok func() bool) bool { return ok() })
	})
	t.Run("nats", func(t *testing.T) {
		url := testenv.NATS(t)
		cfg := config.Bus{NATSURL: connectors.Secret(url), SubjectPrefix: fmt.Sprintf("harmony_test_%d", time.Now().UnixNano())}
		open := func() bus.Bus {
			b, err := bus.Open(t.Context(), cfg, bus.Options{})
			if err != nil {
				t.Fatalf("NATS at %s: %v", url, err)
			}
			t.Cleanup(func() { _ = b.Close() })
			return b
		}
		srv := storetest.NewServer(t)
		writer, reader := newReplica(t, srv, open()), newReplica(t, srv, open())
		seedShared(t, writer.store)
		checkSteps(t, writer, []*replica{writer, reader}, func(ok func() bool) bool {
			deadline := time.Now().Add(5 * time.Second)
			for !ok() {
				if time.Now().After(deadline) {
					return false
				}
				time.Sleep(10 * time.Millisecond) // NATS delivers asynchronously: poll, bounded
			}
			return true
		})
	})
}

// TestCacheReadDuringChange: a read made while a change is under way (here
// between the change hook's first call and the change itself) may cache
// what it read, but the end of the change drops it.
func TestCacheReadDuringChange(t *testing.T) {
	ctx := context.Background()
	srv := storetest.NewServer(t)
	b := bus.NewLocal(bus.Options{})
	r := newReplica(t, srv, b)
	seedShared(t, r.store)
	calls := 0
	var during string
	b.OnInvalidate(func(inv bus.Invalidation) {
		if calls++; calls == 1 {
			during = r.view(t, "cus_b") // before anything changed: the old state
		}
	})
	if _, err := r.store.Merge(ctx, "cus_a", "cus_b", "t", "", at0, 50); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(during, "cus_b ") {
		t.Fatalf("the read during the change saw %q, want the state before it", during)
	}
	if got := r.view(t, "cus_b"); !strings.HasPrefix(got, "cus_a ") {
		t.Errorf("after the change cus_b reads %q, want cus_a's view", got)
	}
}

// TestCacheWithoutBusGoesStale shows what the tests above rest on: a
// replica that hears nothing keeps serving what it cached.
func TestCacheWithoutBusGoesStale(t *testing.T) {
	ctx := context.Background()
	srv := storetest.NewServer(t)
	writer := newReplica(t, srv, bus.NewLocal(bus.Options{}))
	reader := newReplica(t, srv, bus.NewLocal(bus.Options{}))
	seedShared(t, writer.store)
	before := reader.view(t, "cus_b")
	if _, err := writer.store.Merge(ctx, "cus_a", "cus_b", "t", "", at0, 50); err != nil {
		t.Fatal(err)
	}
	if got := reader.view(t, "cus_b"); got != before {
		t.Fatalf("a reader on another bus read %q after the merge: the cache is not caching", got)
	}
	reader.cached.Purge()
	if got := reader.view(t, "cus_b"); !strings.HasPrefix(got, "cus_a ") {
		t.Errorf("after a purge the reader reads %q", got)
	}
}

// TestCacheCostsNoQueryWithoutRecords: a customer without consents or
// stored activity costs no query on those collections, and a cached one no
// query at all.
func TestCacheCostsNoQueryWithoutRecords(t *testing.T) {
	srv := storetest.NewServer(t)
	r := newReplica(t, srv, bus.NewLocal(bus.Options{}))
	seedShared(t, r.store)
	finds := func() (total int64) {
		for _, coll := range []string{"customers", "identities", "customer_keys", "customer_marks", "consents", "events"} {
			total += r.store.Commands("find", coll)
		}
		return total
	}
	r.view(t, "cus_a")
	if n := r.store.Commands("find", "consents") + r.store.Commands("find", "events"); n != 0 {
		t.Errorf("%d finds on consents and events for a customer with neither", n)
	}
	before := finds()
	for range 3 {
		r.view(t, "cus_a")
	}
	if n := finds() - before; n != 0 {
		t.Errorf("%d finds for a cached customer, want 0", n)
	}
}

// TestCacheBounded: the cache holds at most MaxCustomers customers.
func TestCacheBounded(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	var cs []store.Customer
	var ids []string
	for i := range 20 {
		id := fmt.Sprintf("cus_%02d", i)
		cs = append(cs, store.Customer{ID: id, CreatedAt: at0})
		ids = append(ids, id)
	}
	if _, err := s.AddCustomers(ctx, cs); err != nil {
		t.Fatal(err)
	}
	c := store.NewCached(s, store.CacheOptions{MaxCustomers: 5})
	got, err := c.Resolve(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if got[i] == nil || got[i].ID != id {
			t.Fatalf("Resolve[%d] = %+v", i, got[i])
		}
	}
	if n := c.Len(); n != 5 {
		t.Errorf("Len = %d, want 5", n)
	}
	if got, _ := c.Resolve(ctx, []string{"cus_nobody"}); got[0] != nil || c.Len() != 5 {
		t.Errorf("an unknown customer: %+v, Len %d", got[0], c.Len())
	}
}

func mustCounter(t *testing.T, reg *prometheus.Registry, name string, labels ...string) prometheus.Collector {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var vals []string
			for _, l := range m.GetLabel() {
				vals = append(vals, l.GetValue())
			}
			if slices.Equal(vals, labels) {
				return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "x", Help: "x"},
					func() float64 { return m.GetCounter().GetValue() })
			}
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return nil
}

// TestCacheReadsAMissOnce: readers that miss a customer another read is
// fetching wait for it rather than read the store again. A customer 360
// asks for the customer and its identities at once; both miss together.
func TestCacheReadsAMissOnce(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	seedShared(t, s)
	gate := store.NewGate(store.GateOptions{MaxInFlight: 1, MaxQueue: 8, QueueTimeout: time.Minute})
	c := store.NewCached(s, store.CacheOptions{MaxCustomers: 10, TTL: time.Hour, Gate: gate})
	// The store is busy: the first reader waits at the gate, and the
	// others find its read under way.
	busy, err := gate.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	finds := s.Commands("find", "customers")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := c.Resolve(ctx, []string{"cus_a"})
			if err != nil || got[0] == nil || got[0].ID != "cus_a" {
				t.Errorf("Resolve = %v, %v", got, err)
			}
		})
		wg.Go(func() {
			got, err := c.IdentitiesOf(ctx, []string{"cus_a"})
			if err != nil || len(got[0]) == 0 {
				t.Errorf("IdentitiesOf = %v, %v", got, err)
			}
		})
	}
	for gate.Waiting() == 0 {
		time.Sleep(time.Millisecond) // until the first reader is at the gate
	}
	busy()
	wg.Wait()
	if n := s.Commands("find", "customers") - finds; n != 1 {
		t.Errorf("%d finds of the customer for 8 readers of it, want 1", n)
	}
}
