package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

// searchFixture is five customers with projections, one merged away, one
// never indexed, and identities for the identifier conditions.
func searchFixture(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(days int) *time.Time { x := t0.AddDate(0, 0, -days); return &x }
	cs := []store.Customer{
		{ID: "cus_1", CreatedAt: t0}, {ID: "cus_2", CreatedAt: t0}, {ID: "cus_3", CreatedAt: t0},
		{ID: "cus_4", CreatedAt: t0}, {ID: "cus_5", CreatedAt: t0, MergedInto: "cus_1"},
		{ID: "cus_6", CreatedAt: t0}, // never indexed
	}
	if _, err := s.AddCustomers(ctx, cs); err != nil {
		t.Fatal(err)
	}
	projections := map[string]store.SearchProjection{
		"cus_1": {Names: []string{"marie", "dupont"}, Systems: []string{"crm", "shop", "pos"}, OrderCount: 12,
			LastOrderAt: at(3), Spend: map[string]float64{"EUR": 1250.50}, IndexedAt: t0},
		"cus_2": {Names: []string{"mario", "rossi"}, Systems: []string{"crm", "helpdesk"}, OrderCount: 2,
			LastOrderAt: at(200), Spend: map[string]float64{"EUR": 99.99}, IndexedAt: t0},
		"cus_3": {Names: []string{"marquez", "lucia"}, Systems: []string{"shop"}, OrderCount: 5,
			LastOrderAt: at(10), Spend: map[string]float64{"GBP": 400}, IndexedAt: t0},
		"cus_4": {Names: []string{"olivia", "smith"}, Systems: []string{"calls"}, Spend: map[string]float64{}, IndexedAt: t0},
		"cus_5": {Names: []string{"marie", "dupont"}, Systems: []string{"crm", "shop", "pos"}, OrderCount: 30,
			LastOrderAt: at(1), Spend: map[string]float64{"EUR": 5000}, IndexedAt: t0},
		// A name with regular expression characters, taken literally.
		"cus_6x": {Names: []string{"ma.ie"}, IndexedAt: t0}, // no such customer: not created
	}
	if err := s.SetSearchProjections(ctx, projections); err != nil {
		t.Fatal(err)
	}
	link := func(cus, kind, system, value string) store.Identity {
		return store.Identity{ID: store.IdentityID(kind, system, value), CustomerID: cus, Kind: kind, System: system, Value: value, LinkedAt: t0}
	}
	if _, err := s.AddIdentities(ctx, []store.Identity{
		link("cus_1", store.KindEmail, "", "marie@example.com"),
		link("cus_2", store.KindWhatsApp, "", "+393331234567"),
		link("cus_3", store.KindExternalID, "shop", "gid://shop/Customer/7"),
		link("cus_5", store.KindEmail, "", "old@example.com"),
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSearchCustomersFilters(t *testing.T) {
	ctx := context.Background()
	s := searchFixture(t)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	since := func(days int) *time.Time { x := t0.AddDate(0, 0, -days); return &x }
	n := func(i int) *int { return &i }
	ident := func(kind, system, value string) *store.FilterIdentifier {
		return &store.FilterIdentifier{Kind: kind, System: system, Value: value}
	}
	tests := []struct {
		name   string
		filter store.Filter
		want   []string
	}{
		{"none: every active customer, indexed or not", store.Filter{}, []string{"cus_1", "cus_2", "cus_3", "cus_4", "cus_6"}},
		{"name prefix", store.Filter{NamePrefix: "mar"}, []string{"cus_1", "cus_2", "cus_3"}},
		{"name prefix anchored", store.Filter{NamePrefix: "ari"}, nil},
		{"name prefix whole name", store.Filter{NamePrefix: "dupont"}, []string{"cus_1"}},
		{"name prefix is literal", store.Filter{NamePrefix: "ma."}, nil},
		{"in one system", store.Filter{InSystems: []string{"crm"}}, []string{"cus_1", "cus_2"}},
		{"in every system listed", store.Filter{InSystems: []string{"crm", "pos"}}, []string{"cus_1"}},
		{"ordered since", store.Filter{OrderedSince: since(10)}, []string{"cus_1", "cus_3"}},
		{"ordered since is inclusive", store.Filter{OrderedSince: since(3)}, []string{"cus_1"}},
		{"min orders", store.Filter{MinOrders: n(5)}, []string{"cus_1", "cus_3"}},
		{"min orders zero: indexed customers", store.Filter{MinOrders: n(0)}, []string{"cus_1", "cus_2", "cus_3", "cus_4"}},
		{"min spend", store.Filter{MinSpend: &store.Amount{Currency: "EUR", Value: 99.99}}, []string{"cus_1", "cus_2"}},
		{"min spend in another currency", store.Filter{MinSpend: &store.Amount{Currency: "GBP", Value: 100}}, []string{"cus_3"}},
		{"min spend in a currency nobody spent", store.Filter{MinSpend: &store.Amount{Currency: "USD", Value: 0}}, nil},
		{"identifier", store.Filter{Identifier: ident(store.KindEmail, "", "marie@example.com")}, []string{"cus_1"}},
		{"phone finds a WhatsApp ID", store.Filter{Identifier: ident(store.KindPhone, "", "+393331234567")}, []string{"cus_2"}},
		{"external id", store.Filter{Identifier: ident(store.KindExternalID, "shop", "gid://shop/Customer/7")}, []string{"cus_3"}},
		{"identifier nobody owns", store.Filter{Identifier: ident(store.KindEmail, "", "nobody@example.com")}, nil},
		{"identifier of a merged-away customer", store.Filter{Identifier: ident(store.KindEmail, "", "old@example.com")}, nil},
		{"combined", store.Filter{NamePrefix: "mar", InSystems: []string{"crm"}, MinOrders: n(3)}, []string{"cus_1"}},
		{"combined with identifier", store.Filter{Identifier: ident(store.KindEmail, "", "marie@example.com"), NamePrefix: "ros"}, nil},
		{"combined, everything", store.Filter{
			Identifier: ident(store.KindEmail, "", "marie@example.com"), NamePrefix: "dup", InSystems: []string{"shop", "pos"},
			OrderedSince: since(5), MinOrders: n(12), MinSpend: &store.Amount{Currency: "EUR", Value: 1250.50},
		}, []string{"cus_1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.SearchCustomers(ctx, tt.filter, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range page {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("SearchCustomers = %v, want %v", got, tt.want)
			}
			n, err := s.CountCustomersMatching(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(tt.want)) {
				t.Errorf("CountCustomersMatching = %d, want %d", n, len(tt.want))
			}
		})
	}
}

func TestSearchCustomersPages(t *testing.T) {
	ctx := context.Background()
	s := searchFixture(t)
	tests := []struct {
		name   string
		filter store.Filter
		limit  int
		want   []string
	}{
		{"all, by two", store.Filter{}, 2, []string{"cus_1", "cus_2", "cus_3", "cus_4", "cus_6"}},
		{"filtered, by one", store.Filter{NamePrefix: "mar"}, 1, []string{"cus_1", "cus_2", "cus_3"}},
		{"identifier, by one", store.Filter{Identifier: &store.FilterIdentifier{Kind: store.KindEmail, Value: "marie@example.com"}}, 1, []string{"cus_1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []string
			after := ""
			for range 10 {
				page, err := s.SearchCustomers(ctx, tt.filter, after, tt.limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > tt.limit {
					t.Fatalf("page of %d for a limit of %d", len(page), tt.limit)
				}
				if len(page) == 0 {
					break
				}
				for _, c := range page {
					seen = append(seen, c.ID)
				}
				after = page[len(page)-1].ID
			}
			if !slices.Equal(seen, tt.want) {
				t.Errorf("pages = %v, want %v", seen, tt.want)
			}
		})
	}
}

func TestSearchProjectionsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := searchFixture(t)
	got, err := s.SearchProjections(ctx, []string{"cus_6", "cus_missing", "cus_1"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != nil || got[1] != nil {
		t.Errorf("never-indexed and missing customers have projections: %+v %+v", got[0], got[1])
	}
	p := got[2]
	if p == nil || p.OrderCount != 12 || p.Spend["EUR"] != 1250.50 || !slices.Equal(p.Names, []string{"marie", "dupont"}) || p.LastOrderAt == nil {
		t.Fatalf("cus_1 projection = %+v", p)
	}
	// A projection is replaced whole, and the customer's own fields stay.
	if err := s.SetSearchProjections(ctx, map[string]store.SearchProjection{"cus_1": {Names: []string{"ada"}}}); err != nil {
		t.Fatal(err)
	}
	got, err = s.SearchProjections(ctx, []string{"cus_1"})
	if err != nil {
		t.Fatal(err)
	}
	if p := got[0]; p == nil || p.OrderCount != 0 || p.LastOrderAt != nil || !slices.Equal(p.Names, []string{"ada"}) {
		t.Errorf("replaced projection = %+v", p)
	}
	cs, err := s.CustomersByID(ctx, []string{"cus_1"})
	if err != nil || cs[0] == nil || cs[0].CreatedAt.IsZero() {
		t.Errorf("customer after the update = %+v, %v", cs[0], err)
	}
}

func TestSearchRejectsBadCurrency(t *testing.T) {
	s := searchFixture(t)
	for _, cur := range []string{"eur", "E.R", "$gt", "EURO", ""} {
		_, err := s.SearchCustomers(context.Background(), store.Filter{MinSpend: &store.Amount{Currency: cur}}, "", 10)
		if err == nil {
			t.Errorf("currency %q accepted", cur)
		}
	}
}

// TestSetSearchProjectionsManyCustomers writes more projections than one
// update command may carry on FerretDB v1 (which holds a connection per
// statement, from a pool of 100), and pages through them by a condition.
func TestSetSearchProjectionsManyCustomers(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	const n = 250
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var cs []store.Customer
	byCustomer := map[string]store.SearchProjection{}
	for i := range n {
		id := fmt.Sprintf("cus_%03d", i)
		cs = append(cs, store.Customer{ID: id, CreatedAt: t0})
		byCustomer[id] = store.SearchProjection{Names: []string{"name"}, OrderCount: i, IndexedAt: t0}
	}
	if _, err := s.AddCustomers(ctx, cs); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.SetSearchProjections(ctx, byCustomer) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("SetSearchProjections of 250 customers hangs")
	}
	minOrders := 100
	got, err := s.CountCustomersMatching(ctx, store.Filter{MinOrders: &minOrders})
	if err != nil || got != n-100 {
		t.Fatalf("CountCustomersMatching = %d, %v; want %d", got, err, n-100)
	}
	var seen int
	after := ""
	for {
		page, err := s.SearchCustomers(ctx, store.Filter{MinOrders: &minOrders, NamePrefix: "na"}, after, 60)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		seen += len(page)
		after = page[len(page)-1].ID
	}
	if seen != n-100 {
		t.Errorf("paged through %d customers, want %d", seen, n-100)
	}
}

// TestReopen opens a store twice on one database, as a restart does: the
// indexes exist already.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	uri := storetest.URI(t)
	for i := range 3 {
		s, err := store.Open(ctx, uri, "reopen")
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		if _, err := s.SearchCustomers(ctx, store.Filter{NamePrefix: "ma"}, "", 10); err != nil {
			t.Fatalf("search after open #%d: %v", i+1, err)
		}
		_ = s.Close(ctx)
	}
}
