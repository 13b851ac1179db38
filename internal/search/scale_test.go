package search_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/search"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

// TestIndexScale measures the indexer on the embedded store with
// HARMONY_INDEX_SCALE customers (skipped without it), each with a CRM
// record, a shop record with two orders and an e-mail, behind in-process
// systems that answer at once: what it reports is the indexer's and the
// store's time, not the systems'. docs/search.md quotes it:
//
//	HARMONY_INDEX_SCALE=100000 go test -run TestIndexScale -v -timeout 1h ./internal/search/
func TestIndexScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HARMONY_INDEX_SCALE"))
	if n <= 0 {
		t.Skip("HARMONY_INDEX_SCALE not set")
	}
	ctx := context.Background()
	s := storetest.Open(t)
	crm, shop := newSystem(), newSystem()
	var cs []store.Customer
	var links []store.Identity
	link := func(cus, kind, system, key string) store.Identity {
		return store.Identity{ID: store.IdentityID(kind, system, key), CustomerID: cus, Kind: kind, System: system, Value: key, LinkedAt: t0}
	}
	for i := range n {
		id := fmt.Sprintf("cus_%08d", i)
		c, sh := fmt.Sprintf("c%d", i), fmt.Sprintf("s%d", i)
		crm.profiles[c] = profile(c, fmt.Sprintf("Given%d", i%997), fmt.Sprintf("Family%d", i%1009))
		shop.profiles[sh] = profile(sh, fmt.Sprintf("Given%d", i%997), "")
		shop.orders[sh] = []connectors.Order{order(sh, "o1-"+sh, 3, 1000, "EUR", "paid"), order(sh, "o2-"+sh, 30, 2500, "EUR", "paid")}
		cs = append(cs, store.Customer{ID: id, CreatedAt: t0})
		links = append(links, link(id, store.KindExternalID, "crm", c), link(id, store.KindExternalID, "shop", sh),
			link(id, store.KindEmail, "", fmt.Sprintf("p%d@example.com", i)))
	}
	start := time.Now()
	if _, _, err := s.AddLinked(ctx, cs, links); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d customers, %d identities in %v", n, len(links), time.Since(start).Round(time.Millisecond))
	set, err := sources.NewSet(
		sources.New("crm", "go", crm, sources.Options{MaxBatch: 1000}, nil, nil),
		sources.New("shop", "go", orderSystem{shop}, sources.Options{MaxBatch: 1000}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	ix := &search.Indexer{Store: s, Sources: set}
	s.OnChange(func(_ context.Context, ids []string) { ix.Changed(ids) }) // as the gateway wires it
	scans := func() {
		start := time.Now()
		active, err := s.ActiveCustomerIDs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a := time.Since(start)
		start = time.Now()
		keys := 0
		if err := s.KeysScan(ctx, func(string, []store.Identity) error { keys++; return nil }); err != nil {
			t.Fatal(err)
		}
		k := time.Since(start)
		start = time.Now()
		proj := 0
		if err := s.SearchScan(ctx, func(string, *store.SearchProjection) error { proj++; return nil }); err != nil {
			t.Fatal(err)
		}
		t.Logf("  reads: %d active customers %v, %d keys %v, %d projections %v", len(active), a.Round(time.Millisecond),
			keys, k.Round(time.Millisecond), proj, time.Since(start).Round(time.Millisecond))
	}
	run := func(what string) search.Report {
		start := time.Now()
		rep, err := ix.IndexAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-34s %8v  (%d customers, %d pages, %d written)", what, time.Since(start).Round(time.Millisecond), rep.Customers, rep.Pages, rep.Written)
		return rep
	}
	if rep := run("first build"); rep.Written != n {
		t.Errorf("first build wrote %d, want %d", rep.Written, n)
	}
	scans()
	if rep := run("again, nothing changed"); rep.Written != 0 {
		t.Errorf("unchanged run wrote %d", rep.Written)
	}
	changed := max(n/100, 1)
	crm.set(func(sys *system) {
		for i := range changed {
			c := fmt.Sprintf("c%d", i*97%n)
			sys.profiles[c] = profile(c, "Renamed", "Person")
		}
	})
	if rep := run(fmt.Sprintf("again, %d names changed", changed)); rep.Written == 0 || rep.Written > changed {
		t.Errorf("wrote %d, want at most %d", rep.Written, changed)
	}
	// 1% of the customers gain an identity (a new shop record).
	var more []store.Identity
	for i := range changed {
		id, sh := fmt.Sprintf("cus_%08d", i*89%n), fmt.Sprintf("s%d-b", i)
		shop.set(func(sys *system) { sys.profiles[sh] = profile(sh, "Second", "Account") })
		more = append(more, link(id, store.KindExternalID, "shop", sh))
	}
	if _, err := s.AddIdentities(ctx, more); err != nil {
		t.Fatal(err)
	}
	if rep := run(fmt.Sprintf("again, %d customers linked anew", changed)); rep.Written == 0 || rep.Written > changed {
		t.Errorf("wrote %d, want at most %d", rep.Written, changed)
	}
	ix.Forget()
	run("again, reading everything")
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = fmt.Sprintf("cus_%08d", i*7%n)
	}
	start = time.Now()
	if err := ix.Refresh(ctx, ids); err != nil {
		t.Fatal(err)
	}
	t.Logf("%-34s %8v", "refresh of 100 customers", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	got, err := s.SearchCustomers(ctx, store.Filter{NamePrefix: "renamed"}, "", 20)
	if err != nil || len(got) == 0 {
		t.Fatalf("search = %d, %v", len(got), err)
	}
	t.Logf("%-34s %8v", "a name search, first page of 20", time.Since(start).Round(time.Millisecond))
}
