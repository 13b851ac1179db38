package memstore

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
)

func snapshot() *Snapshot {
	return &Snapshot{
		Customers: []store.Customer{
			{ID: "cus_a"}, {ID: "cus_b", MergedInto: "cus_c"}, {ID: "cus_c"}, {ID: "cus_d"},
		},
		Identities: []store.Identity{
			{ID: "idn_2", CustomerID: "cus_a", Kind: store.KindExternalID, System: "shop", Value: "s1"},
			{ID: "idn_1", CustomerID: "cus_a", Kind: store.KindEmail, Value: "a@example.org"},
			{ID: "idn_3", CustomerID: "cus_a", Kind: store.KindExternalID, System: "crm", Value: "c1"},
		},
		Consents: []store.Consent{
			{ID: "cns_1", CustomerID: "cus_c", Purpose: "marketing", Granted: true, RecordedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
			{ID: "cns_2", CustomerID: "cus_b", Purpose: "service", Granted: true, RecordedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
			{ID: "cns_3", CustomerID: "cus_a", Purpose: "marketing", Granted: false, RecordedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		},
	}
}

func TestConsentsSpeakForTheSurvivor(t *testing.T) {
	s := New(snapshot(), 0)
	got, err := s.ConsentsFor(context.Background(), []string{"cus_c", "cus_d", "cus_a"})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(list []store.Consent) []string {
		var out []string
		for _, c := range list {
			out = append(out, c.ID)
		}
		return out
	}
	// cus_b was merged into cus_c: its record speaks for cus_c, newest first.
	if !slices.Equal(ids(got[0]), []string{"cns_2", "cns_1"}) || len(got[1]) != 0 || !slices.Equal(ids(got[2]), []string{"cns_3"}) {
		t.Errorf("ConsentsFor = %v %v %v", ids(got[0]), ids(got[1]), ids(got[2]))
	}
}

func TestReadPathAnswersLikeTheStore(t *testing.T) {
	ctx := context.Background()
	s := New(snapshot(), 0)

	got, err := s.Resolve(ctx, []string{"cus_b", "cus_x", "cus_a"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] == nil || got[0].ID != "cus_c" || got[1] != nil || got[2] == nil || got[2].ID != "cus_a" {
		t.Errorf("Resolve: merged ID must end on its survivor, unknown on nil; got %v", got)
	}

	ids, err := s.IdentitiesOf(ctx, []string{"cus_a", "cus_c"})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, id := range ids[0] {
		order = append(order, id.ID)
	}
	if want := []string{"idn_1", "idn_3", "idn_2"}; !slices.Equal(order, want) || len(ids[1]) != 0 {
		t.Errorf("IdentitiesOf: order %v, want kind, system, value order %v; other customer %v", order, want, ids[1])
	}

	owners, err := s.Owners(ctx, []string{"idn_3", "idn_9"})
	if err != nil {
		t.Fatal(err)
	}
	if owners[0] == nil || owners[0].CustomerID != "cus_a" || owners[1] != nil {
		t.Errorf("Owners = %v", owners)
	}

	merged, err := s.MergedIDs(ctx, []string{"cus_c", "cus_a"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(merged[0], []string{"cus_b"}) || len(merged[1]) != 0 {
		t.Errorf("MergedIDs = %v", merged)
	}
}

func TestListPagesActiveCustomersInIDOrder(t *testing.T) {
	ctx := context.Background()
	s := New(snapshot(), 0)
	var seen []string
	after := ""
	for range 5 {
		page, err := s.SearchCustomers(ctx, store.Filter{}, after, 2)
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
	if want := []string{"cus_a", "cus_c", "cus_d"}; !slices.Equal(seen, want) {
		t.Errorf("pages gave %v, want %v (merged customers left out)", seen, want)
	}
	if _, err := s.SearchCustomers(ctx, store.Filter{NamePrefix: "ma"}, "", 2); !errors.Is(err, ErrUnsupported) {
		t.Errorf("a filter gave %v, want ErrUnsupported", err)
	}
}

func TestRoundTripsMirrorTheStoreQueries(t *testing.T) {
	ctx := context.Background()
	s := New(snapshot(), 0)
	if _, err := s.ConsentsFor(ctx, []string{"cus_a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActivityPage(ctx, []string{"cus_a", "cus_c"}, store.ActivityQuery{Limit: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActivityPage(ctx, nil, store.ActivityQuery{Limit: 5}); err != nil {
		t.Fatal(err)
	}
	// ConsentsFor is two queries, a page of activity one, an empty page none.
	if got := s.RoundTrips(); got != 3 {
		t.Errorf("RoundTrips = %d, want 3", got)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "snap.json")
	if err := snapshot().Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Customers) != 4 || len(got.Identities) != 3 || len(got.Consents) != 3 || got.Customers[1].MergedInto != "cus_c" {
		t.Errorf("loaded %+v", got)
	}
}

func TestWaitEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := New(snapshot(), DefaultLatency)
	if _, err := s.Resolve(ctx, []string{"cus_a"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Resolve on a cancelled context = %v, want context.Canceled", err)
	}
}
