package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func TestConsents(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if _, err := s.AddCustomers(ctx, []store.Customer{{ID: "cus_a", CreatedAt: t0}, {ID: "cus_b", CreatedAt: t0}, {ID: "cus_m", CreatedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	records := []store.Consent{
		{CustomerID: "cus_a", Purpose: "marketing", Channel: "email", Granted: true, Source: "web", RecordedAt: t0, Actor: "agent"},
		{CustomerID: "cus_a", Purpose: "marketing", Channel: "email", Granted: false, Source: "web", RecordedAt: t0.Add(time.Hour), Actor: "agent"},
		{CustomerID: "cus_b", Purpose: "analytics", Granted: true, Source: "app", RecordedAt: t0, Actor: "agent"},
		{CustomerID: "cus_m", Purpose: "service", Granted: true, Source: "shop", RecordedAt: t0.Add(2 * time.Hour), Actor: "agent"},
	}
	for _, r := range records {
		if _, err := s.AddConsent(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Merge(ctx, "cus_a", "cus_m", "test", "", t0, 50); err != nil {
		t.Fatal(err)
	}

	before := s.Commands("find", "consents")
	got, err := s.ConsentsFor(ctx, []string{"cus_b", "cus_none", "cus_a"})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Commands("find", "consents") - before; n != 1 {
		t.Errorf("consents read in %d queries, want 1", n)
	}
	tests := []struct {
		name     string
		got      []store.Consent
		purposes []string // newest first
	}{
		{"own records", got[0], []string{"analytics"}},
		{"unknown customer", got[1], nil},
		{"merged customer's records count for the survivor, newest first", got[2], []string{"service", "marketing", "marketing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var purposes []string
			for _, c := range tt.got {
				purposes = append(purposes, c.Purpose)
			}
			if !slices.Equal(purposes, tt.purposes) {
				t.Errorf("purposes = %v, want %v", purposes, tt.purposes)
			}
		})
	}
	if got[2][1].Granted || !got[2][2].Granted {
		t.Errorf("history order wrong: %+v", got[2])
	}
}

func TestAuditLog(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var entries []store.AuditEntry
	for i := range 5 {
		at := t0.Add(time.Duration(i) * time.Minute)
		actor := "agent"
		if i%2 == 1 {
			actor = "admin"
		}
		entries = append(entries, store.AuditEntry{ID: store.NewAuditID(at), At: at, Actor: actor, OperationType: "query",
			PIIFields: []string{"Identity.value"}, CustomerIDs: []string{"cus_" + string(rune('a'+i))}})
	}
	if err := s.AddAudit(ctx, entries); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    store.AuditQuery
		want []string // customer of each entry, newest first
	}{
		{"all, newest first", store.AuditQuery{Limit: 10}, []string{"cus_e", "cus_d", "cus_c", "cus_b", "cus_a"}},
		{"one page", store.AuditQuery{Limit: 2}, []string{"cus_e", "cus_d"}},
		{"after a cursor", store.AuditQuery{Limit: 2, Before: entries[3].ID}, []string{"cus_c", "cus_b"}},
		{"by actor", store.AuditQuery{Limit: 10, Actor: "admin"}, []string{"cus_d", "cus_b"}},
		{"by customer", store.AuditQuery{Limit: 10, CustomerID: "cus_c"}, []string{"cus_c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.AuditLog(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range got {
				ids = append(ids, e.CustomerIDs...)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("customers = %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestPrivacyRequests(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	due := t0.Add(time.Minute)
	r := store.PrivacyRequest{ID: store.NewPrivacyRequestID(), Kind: store.PrivacyErasure, CustomerID: "cus_a", Status: store.PrivacyPending,
		RequestedAt: t0, RequestedBy: "admin", NextAt: &due,
		Systems: []store.PrivacySystem{{System: "crm", Status: store.PrivacyFailed, Keys: []string{"1"}, Attempts: 1, LastErrorCode: "UPSTREAM_UNAVAILABLE", NextAt: &due}}}
	if err := s.AddPrivacyRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		now  time.Time
		want int
	}{{"not yet due", t0, 0}, {"due", due, 1}} {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := s.DuePrivacyRequests(ctx, tt.now, 10)
			if err != nil || len(ids) != tt.want {
				t.Fatalf("due = %v, %v; want %d", ids, err, tt.want)
			}
		})
	}
	release, err := s.LockPrivacyRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	r.Systems[0].Status, r.Systems[0].NextAt, r.NextAt, r.Status = store.PrivacyDone, nil, nil, store.PrivacyDone
	if err := s.SavePrivacyRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	release()
	got, err := s.GetPrivacyRequest(ctx, r.ID)
	if err != nil || got == nil || got.Status != store.PrivacyDone || got.Systems[0].Keys[0] != "1" || got.Systems[0].Attempts != 1 {
		t.Fatalf("request = %+v, %v", got, err)
	}
	if ids, _ := s.DuePrivacyRequests(ctx, due.Add(time.Hour), 10); len(ids) != 0 {
		t.Errorf("a done request is still due: %v", ids)
	}
}

func TestEraseCustomer(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if _, err := s.AddCustomers(ctx, []store.Customer{{ID: "cus_a", CreatedAt: t0}, {ID: "cus_m", CreatedAt: t0}, {ID: "cus_x", CreatedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	ident := func(cus, kind, system, value string) store.Identity {
		return store.Identity{ID: store.IdentityID(kind, system, value), CustomerID: cus, Kind: kind, System: system, Value: value, Rule: "email", Source: "crm", Confidence: 1, LinkedAt: t0}
	}
	if _, err := s.AddIdentities(ctx, []store.Identity{
		ident("cus_a", store.KindEmail, "", "ada@example.com"), ident("cus_a", store.KindExternalID, "crm", "1001"),
		ident("cus_m", store.KindPhone, "", "+33612345678"), ident("cus_x", store.KindEmail, "", "x@example.com"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Merge(ctx, "cus_a", "cus_m", "test", "same person", t0, 50); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSearchProjections(ctx, map[string]store.SearchProjection{"cus_a": {Names: []string{"ada"}, Systems: []string{"crm"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddConsent(ctx, store.Consent{CustomerID: "cus_a", Purpose: "marketing", Granted: true, Source: "web", RecordedAt: t0}); err != nil {
		t.Fatal(err)
	}
	exp, err := s.ExportCustomer(ctx, "cus_m")
	if err != nil || exp.CustomerID != "cus_a" || len(exp.Identities) != 3 || len(exp.Consents) != 1 || !slices.Equal(exp.MergedIDs, []string{"cus_m"}) {
		t.Fatalf("export = %+v, %v", exp, err)
	}

	at := t0.Add(time.Hour)
	for range 2 { // a re-run is harmless
		id, err := s.EraseCustomer(ctx, "cus_m", at)
		if err != nil || id != "cus_a" {
			t.Fatalf("EraseCustomer = %q, %v", id, err)
		}
	}
	ids, err := s.IdentitiesOf(ctx, []string{"cus_a", "cus_m", "cus_x"})
	if err != nil || len(ids[0]) != 0 || len(ids[1]) != 0 || len(ids[2]) != 1 {
		t.Fatalf("identities after erasure = %v, %v", ids, err)
	}
	owners, _ := s.Owners(ctx, []string{store.IdentityID(store.KindEmail, "", "ada@example.com")})
	if owners[0] != nil {
		t.Errorf("the e-mail's identity survived the erasure")
	}
	res, err := s.Resolve(ctx, []string{"cus_m", "cus_a"})
	if err != nil || res[0] == nil || res[0].ID != "cus_a" || res[0].ErasedAt == nil || !res[0].ErasedAt.Equal(at) {
		t.Fatalf("the merged ID does not resolve to the erased tombstone: %+v, %v", res, err)
	}
	proj, _ := s.SearchProjections(ctx, []string{"cus_a"})
	if proj[0] != nil {
		t.Errorf("search projection survived: %+v", proj[0])
	}
	page, _ := s.SearchCustomers(ctx, store.Filter{}, "", 10)
	if len(page) != 1 || page[0].ID != "cus_x" {
		t.Errorf("customers listed after erasure = %+v, want cus_x only", page)
	}
	consents, _ := s.ConsentsFor(ctx, []string{"cus_a"})
	if len(consents[0]) != 2 {
		t.Errorf("consents after erasure = %+v, want the two tombstones only", consents[0])
	}
	for _, c := range consents[0] {
		if !c.Erased || c.Purpose != "" {
			t.Errorf("a consent record kept data: %+v", c)
		}
	}
	events, err := s.History(ctx, "cus_a", nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if len(ev.Identities) != 0 || ev.Reason != "" {
			t.Errorf("history kept values: %+v", ev)
		}
	}
}
