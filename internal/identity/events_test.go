package identity

import (
	"context"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func TestOwners(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	if _, err := st.AddCustomers(ctx, []store.Customer{{ID: "cus_a", CreatedAt: at}, {ID: "cus_b", CreatedAt: at, MergedInto: "cus_a"}}); err != nil {
		t.Fatal(err)
	}
	link := func(customer, kind, system, value, status string) store.Identity {
		return store.Identity{ID: store.IdentityID(kind, system, value), CustomerID: customer, Kind: kind, System: system,
			Value: value, Rule: "test", Source: "test", Confidence: 1, LinkedAt: at, Status: status}
	}
	if _, err := st.AddIdentities(ctx, []store.Identity{
		link("cus_b", store.KindExternalID, "helpdesk", "40", ""),
		link("cus_a", store.KindEmail, "", "ana@example.com", ""),
		link("cus_a", store.KindPhone, "", "+33612478931", ""),
		link("cus_a", store.KindEmail, "", "family@example.com", store.StatusShared),
	}); err != nil {
		t.Fatal(err)
	}
	l := &Linker{Store: st, Policy: fiction()}
	refs := []Ref{
		{System: "helpdesk", Key: "40"},
		{System: "helpdesk", Key: "41"},
		{System: "crm", Key: "40"},
		{System: "helpdesk", Identifier: connectors.Identifier{Kind: "email", Value: " Ana@Example.COM "}},
		{System: "helpdesk", Identifier: connectors.Identifier{Kind: "whatsapp", Value: "33612478931"}},
		{System: "helpdesk", Identifier: connectors.Identifier{Kind: "email", Value: "not an address"}},
		{System: "helpdesk", Identifier: connectors.Identifier{Kind: "email", Value: "family@example.com"}},
		{System: "helpdesk", Identifier: connectors.Identifier{Kind: "email", Value: "info@example.com"}},
		{System: "helpdesk", Identifier: connectors.Identifier{Kind: "carrier_pigeon", Value: "x"}},
		{System: "helpdesk", Key: "41", Identifier: connectors.Identifier{Kind: "email", Value: "ana@example.com"}},
	}
	want := []Resolved{
		{CustomerID: "cus_a"}, // through the merge of cus_b
		{},
		{}, // a key of another system
		{CustomerID: "cus_a", IdentifierKind: "email", Identifier: "ana@example.com"},
		{CustomerID: "cus_a", IdentifierKind: "whatsapp", Identifier: "+33612478931"},
		{},
		{IdentifierKind: "email", Identifier: "family@example.com"}, // shared: names nobody
		{IdentifierKind: "email", Identifier: "info@example.com"},   // blocked
		{},
		{CustomerID: "cus_a", IdentifierKind: "email", Identifier: "ana@example.com"},
	}
	got, err := l.Owners(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("refs[%d] resolved to %+v, want %+v", i, got[i], want[i])
		}
	}
	if none, err := l.Owners(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("Owners(nil) = %v, %v", none, err)
	}
}
