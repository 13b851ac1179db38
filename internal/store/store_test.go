package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func TestCustomersAndIdentities(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

	n, err := s.AddCustomers(ctx, []store.Customer{{ID: "cus_a", CreatedAt: now}, {ID: "cus_b", CreatedAt: now}})
	if err != nil || n != 2 {
		t.Fatalf("AddCustomers = %d, %v; want 2, nil", n, err)
	}
	// Re-running is harmless and adds only what is new.
	n, err = s.AddCustomers(ctx, []store.Customer{{ID: "cus_a", CreatedAt: now.Add(time.Hour)}, {ID: "cus_c", CreatedAt: now}})
	if err != nil || n != 1 {
		t.Fatalf("AddCustomers again = %d, %v; want 1, nil", n, err)
	}

	ident := func(cus, kind, system, value string) store.Identity {
		return store.Identity{ID: store.IdentityID(kind, system, value), CustomerID: cus, Kind: kind, System: system, Value: value, Rule: "email", Source: "crm", Confidence: 1, LinkedAt: now}
	}
	ids := []store.Identity{
		ident("cus_a", store.KindEmail, "", "ada@example.com"),
		ident("cus_a", store.KindExternalID, "crm", "1001"),
		ident("cus_b", store.KindPhone, "", "+33612345678"),
	}
	if n, err := s.AddIdentities(ctx, ids); err != nil || n != 3 {
		t.Fatalf("AddIdentities = %d, %v; want 3, nil", n, err)
	}
	// An identifier owned by cus_a is never moved to cus_c.
	steal := ident("cus_c", store.KindEmail, "", "ada@example.com")
	if n, err := s.AddIdentities(ctx, []store.Identity{steal}); err != nil || n != 0 {
		t.Fatalf("AddIdentities(owned) = %d, %v; want 0, nil", n, err)
	}

	got, err := s.CustomersByID(ctx, []string{"cus_b", "cus_missing", "cus_a"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] == nil || got[0].ID != "cus_b" || got[1] != nil || got[2] == nil || !got[2].CreatedAt.Equal(now) {
		t.Fatalf("CustomersByID misaligned or wrong: %+v", got)
	}

	byCustomer, err := s.IdentitiesOf(ctx, []string{"cus_c", "cus_a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(byCustomer[0]) != 0 {
		t.Errorf("cus_c identities = %v, want none", byCustomer[0])
	}
	var kinds []string
	for _, id := range byCustomer[1] {
		kinds = append(kinds, id.Kind+":"+id.Value)
	}
	if want := []string{"email:ada@example.com", "external_id:1001"}; !slices.Equal(kinds, want) {
		t.Errorf("cus_a identities = %v, want %v", kinds, want)
	}

	owners, err := s.Owners(ctx, []string{store.IdentityID(store.KindPhone, "", "+33612345678"), store.IdentityID(store.KindPhone, "", "+1")})
	if err != nil {
		t.Fatal(err)
	}
	if owners[0] == nil || owners[0].CustomerID != "cus_b" || owners[1] != nil {
		t.Fatalf("Owners = %+v", owners)
	}
}

func TestListCustomersPages(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	var cs []store.Customer
	for i := range 7 {
		cs = append(cs, store.Customer{ID: fmt.Sprintf("cus_%02d", i), CreatedAt: time.Unix(0, 0).UTC()})
	}
	if _, err := s.AddCustomers(ctx, cs); err != nil {
		t.Fatal(err)
	}
	var seen []string
	after := ""
	for range 10 {
		page, err := s.ListCustomers(ctx, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			seen = append(seen, c.ID)
		}
		after = page[len(page)-1].ID
	}
	want := []string{"cus_00", "cus_01", "cus_02", "cus_03", "cus_04", "cus_05", "cus_06"}
	if !slices.Equal(seen, want) {
		t.Fatalf("pages = %v, want %v", seen, want)
	}
	if n, err := s.CountCustomers(ctx); err != nil || n != 7 {
		t.Fatalf("CountCustomers = %d, %v", n, err)
	}
}

func TestIdentityIDHidesValue(t *testing.T) {
	id := store.IdentityID(store.KindEmail, "", "ada@example.com")
	if id == store.IdentityID(store.KindPhone, "", "ada@example.com") {
		t.Fatal("kinds must not collide")
	}
	for _, bad := range []string{"ada", "example", "@", "."} {
		if strings.Contains(id, bad) {
			t.Fatalf("id %q leaks %q", id, bad)
		}
	}
}

// TestScansCounted: Scans counts the statements FerretDB answers by reading
// the whole collection: every filter but an _id equality. Reads of a
// customer and changes of the identity graph make none.
func TestScansCounted(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	id := func(c, v string) store.Identity {
		return store.Identity{ID: store.IdentityID(store.KindEmail, "", v), CustomerID: c, Kind: store.KindEmail, Value: v, LinkedAt: now}
	}
	if _, _, err := s.AddLinked(ctx, []store.Customer{{ID: "cus_a", CreatedAt: now}, {ID: "cus_b", CreatedAt: now}},
		[]store.Identity{id("cus_a", "a@example.com"), id("cus_b", "b@example.com")}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		do    func() error
		scans int64 // of customers and identities
	}{
		{"customers by ID", func() error { _, err := s.CustomersByID(ctx, []string{"cus_a", "cus_b"}); return err }, 0},
		{"resolve", func() error { _, err := s.Resolve(ctx, []string{"cus_a"}); return err }, 0},
		{"identities", func() error { _, err := s.IdentitiesOf(ctx, []string{"cus_a", "cus_b"}); return err }, 0},
		{"merge", func() error { _, err := s.Merge(ctx, "cus_a", "cus_b", "t", "", now, 50); return err }, 0},
		{"merged IDs", func() error { _, err := s.MergedIDs(ctx, []string{"cus_a"}); return err }, 0},
		{"link", func() error { _, err := s.Link(ctx, "cus_a", id("", "c@example.com"), "t", "", 50); return err }, 0},
		{"split", func() error { _, err := s.Split(ctx, "cus_a", "cus_b", "t", "", now); return err }, 0},
		{"unlink", func() error {
			_, err := s.Unlink(ctx, "cus_a", store.IdentityID(store.KindEmail, "", "c@example.com"), "t", "", now)
			return err
		}, 0},
		{"list", func() error { _, err := s.ListCustomers(ctx, "", 10); return err }, 1},
		{"count", func() error { _, err := s.CountCustomers(ctx); return err }, 1},
	}
	for _, st := range steps {
		before := s.Scans("customers") + s.Scans("identities")
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := s.Scans("customers") + s.Scans("identities") - before; got != st.scans {
			t.Errorf("%s: %d scans of customers and identities, want %d", st.name, got, st.scans)
		}
	}
}
