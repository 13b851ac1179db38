package privacy_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/privacy"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/internal/suppress"
)

// An erasure is whole: the person's keys and identifiers are on the
// suppression list (as salted hashes), the webhook events naming them are
// gone, every key's cached reads are purged, the request forgets the keys
// of the systems done with them, and it is PARTIAL, not DONE, while a
// system must be erased by hand: DONE once a person confirmed it, checked
// against the system.
func TestErasureIsWhole(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	if _, err := st.AddCustomers(ctx, []store.Customer{{ID: "cus_a", CreatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	const email, md5Key = "ana.lima@example.test", "4b2c3c0f5fd1d8d0d6a7c3b2f0e1a9d8"
	ident := func(kind, system, value string) store.Identity {
		return store.Identity{ID: store.IdentityID(kind, system, value), CustomerID: "cus_a", Kind: kind,
			System: system, Value: value, Rule: "new", Source: "crm", Confidence: 1, LinkedAt: now}
	}
	if _, err := st.AddIdentities(ctx, []store.Identity{
		ident(store.KindExternalID, "crm", "1"), ident(store.KindExternalID, "crm", "2"),
		ident(store.KindExternalID, "pos", "p1"), ident(store.KindExternalID, "mailing", md5Key),
		ident(store.KindEmail, "", email),
	}); err != nil {
		t.Fatal(err)
	}
	// Events that name her: one that arrived before she was known (by the
	// point of sale's key), one by her e-mail; and another person's.
	if _, err := st.AddActivities(ctx, []store.Activity{
		{ID: "act_1", Connector: "pos", EventID: "e1", CustomerKey: "p1", ReceivedAt: now, OccurredAt: now},
		{ID: "act_2", Connector: "mailing", EventID: "e2", IdentifierKind: store.KindEmail, Identifier: email, ReceivedAt: now, OccurredAt: now},
		{ID: "act_3", Connector: "pos", EventID: "e3", CustomerKey: "p9", ReceivedAt: now, OccurredAt: now},
	}); err != nil {
		t.Fatal(err)
	}
	pos := &readOnly{}
	set, err := sources.NewSet(sources.New("crm", "fake", &fake{}, sources.Options{}, nil, nil),
		sources.New("pos", "fake", pos, sources.Options{}, nil, nil),
		sources.New("mailing", "fake", &fake{}, sources.Options{}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	list := suppress.NewForTest(st, "a-salt-of-at-least-thirty-two-characters")
	var purgedMu sync.Mutex
	purged := map[string][]string{}
	told := 0
	svc := &privacy.Service{Store: st, Sources: set, Now: clock, Suppression: list,
		Config: config.Privacy{ManualCheckInterval: time.Minute},
		Purge: func(_ context.Context, keys map[string][]string) error {
			purgedMu.Lock()
			defer purgedMu.Unlock()
			for k, v := range keys {
				purged[k] = append(purged[k], v...)
			}
			return nil
		},
		Suppressed: func(context.Context) error { told++; return nil },
	}

	r, err := svc.Request(ctx, store.PrivacyErasure, "cus_a", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != store.PrivacyPartial || r.CompletedAt != nil {
		t.Fatalf("request %s (completed %v), want partial while the point of sale holds her", r.Status, r.CompletedAt)
	}
	for _, want := range []bool{list.Key("crm", "1"), list.Key("pos", "p1"), list.Key("mailing", md5Key), list.Identifier(store.KindEmail, "", email)} {
		if !want {
			t.Fatal("a key or identifier is missing from the suppression list")
		}
	}
	if list.Key("pos", "p9") || told != 1 {
		t.Errorf("suppressed another key (%v), or told the replicas %d times", list.Key("pos", "p9"), told)
	}
	ids, _ := st.SuppressionIDs(ctx)
	for _, id := range ids {
		for _, clear := range []string{email, md5Key, "p1"} {
			if id == clear || len(id) < 60 {
				t.Errorf("suppression entry %q is not a salted hash", id)
			}
		}
	}
	for id, kept := range map[string]bool{"act_1": false, "act_2": false, "act_3": true} {
		a, err := st.ActivityByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if (a != nil) != kept {
			t.Errorf("event %s kept %v, want %v", id, a != nil, kept)
		}
	}
	purgedMu.Lock()
	for sys, want := range map[string][]string{"crm": {"1", "2"}, "pos": {"p1"}, "mailing": {md5Key}} {
		if !slices.Equal(purged[sys], want) {
			t.Errorf("purged %s: %v, want %v", sys, purged[sys], want)
		}
	}
	purgedMu.Unlock()
	saved, _ := st.GetPrivacyRequest(ctx, r.ID)
	for _, sys := range saved.Systems {
		switch sys.System {
		case "crm", "mailing":
			if len(sys.Keys) != 0 || sys.KeyCount == 0 {
				t.Errorf("%s: the request keeps its keys %v (count %d) once done", sys.System, sys.Keys, sys.KeyCount)
			}
		case "pos":
			if sys.Status != store.PrivacyManual || len(sys.Keys) != 1 || sys.NextAt == nil {
				t.Errorf("pos: %+v, want manual with its key and a check due", sys)
			}
		}
	}

	// A confirmation while the system still holds the records is refused.
	if _, err := svc.Confirm(ctx, r.ID, "pos", "ops"); !errors.Is(err, privacy.ErrStillHeld) {
		t.Fatalf("confirm while held: %v, want ErrStillHeld", err)
	}
	if _, err := svc.Confirm(ctx, r.ID, "crm", "ops"); !errors.Is(err, privacy.ErrNotManual) {
		t.Errorf("confirm of a system done: %v, want ErrNotManual", err)
	}
	// The check finds the records still there: partial, checked later.
	advance(2 * time.Minute)
	svc.RunDue(ctx)
	if got, _ := st.GetPrivacyRequest(ctx, r.ID); got.Status != store.PrivacyPartial {
		t.Fatalf("after a check: %s", got.Status)
	}
	// A person erases them; the next check sees it.
	pos.gone.Store(true)
	advance(2 * time.Minute)
	svc.RunDue(ctx)
	done, _ := st.GetPrivacyRequest(ctx, r.ID)
	if done.Status != store.PrivacyDone || done.CompletedAt == nil || done.NextAt != nil {
		t.Fatalf("after the records went: %s (completed %v, next %v), want done", done.Status, done.CompletedAt, done.NextAt)
	}
	for _, sys := range done.Systems {
		if len(sys.Keys) != 0 {
			t.Errorf("%s: a done erasure keeps keys", sys.System)
		}
	}
}

// A system that cannot be read is confirmed on a person's word.
func TestConfirmWithoutARead(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Now().UTC()
	if _, err := st.AddCustomers(ctx, []store.Customer{{ID: "cus_b", CreatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddIdentities(ctx, []store.Identity{{ID: store.IdentityID(store.KindExternalID, "pos", "p2"), CustomerID: "cus_b",
		Kind: store.KindExternalID, System: "pos", Value: "p2", Rule: "new", Source: "pos", Confidence: 1, LinkedAt: now}}); err != nil {
		t.Fatal(err)
	}
	set, _ := sources.NewSet(sources.New("pos", "fake", blind{}, sources.Options{}, nil, nil))
	svc := &privacy.Service{Store: st, Sources: set}
	r, err := svc.Request(ctx, store.PrivacyErasure, "cus_b", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != store.PrivacyPartial || r.NextAt != nil {
		t.Fatalf("request %s (next %v), want partial with no check (the system cannot be read)", r.Status, r.NextAt)
	}
	r, err = svc.Confirm(ctx, r.ID, "pos", "ops")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != store.PrivacyDone || r.Systems[1].ConfirmedBy != "ops" || len(r.Systems[1].Keys) != 0 {
		t.Errorf("after the confirmation: %+v", r)
	}
}

// blind is a system the gateway can neither read nor erase.
type blind struct{}

func (blind) Close() error { return nil }
