package identity

import (
	"context"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/internal/suppress"
)

// Records a system still holds after their customer was erased start a new
// customer: the erased ID is retired, never given the records back, even
// when the record left is the one the erased ID was named after.
func TestSyncNeverRelinksToAnErasedCustomer(t *testing.T) {
	tests := []struct {
		name      string
		erasedBy  string // the system that erased its record
		left, key string // the system still holding one, and its key
	}{
		{"the anchor's system erased", "crm", "shop", "p1"},
		{"only the anchor record is left", "shop", "crm", "1001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			lists := map[string]*lister{
				"crm":  {profiles: []connectors.Profile{prof("1001", "given_name", "Marie", "email", "marie@example.com")}},
				"shop": {profiles: []connectors.Profile{prof("p1", "given_name", "Marie", "email", "marie@example.com")}},
			}
			l := linkerOf(t, st, lists)
			if _, err := l.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			erased := owner(t, st, nativeID("crm", "1001"))
			if erased == "" || owner(t, st, nativeID("shop", "p1")) != erased {
				t.Fatal("not linked as one customer")
			}
			if _, err := st.EraseCustomer(ctx, erased, time.Now()); err != nil {
				t.Fatal(err)
			}
			lists[tt.erasedBy].profiles = nil
			for range 2 { // a second sync changes nothing
				if _, err := l.Sync(ctx); err != nil {
					t.Fatal(err)
				}
				got := owner(t, st, nativeID(tt.left, tt.key))
				if got == "" || got == erased {
					t.Fatalf("the record belongs to %q, want a new customer (not the erased %s)", got, erased)
				}
				c, err := st.CustomersByID(ctx, []string{got})
				if err != nil || c[0] == nil || c[0].ErasedAt != nil {
					t.Fatalf("new customer = %+v, %v", c[0], err)
				}
			}
			ids, _ := st.IdentitiesOf(ctx, []string{erased})
			if len(ids[0]) != 0 {
				t.Errorf("the erased customer got identities back: %+v", ids[0])
			}
		})
	}
}

// Records carrying an erased person's native key or identifier (the
// suppression list) are never linked again: the system that could not
// erase them keeps them, the sync (and lookups, which link the same way)
// skip them, and a record of
// another person sharing nothing with them is linked as before.
func TestSyncSkipsSuppressedRecords(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	lists := map[string]*lister{
		"crm":  {profiles: []connectors.Profile{prof("1001", "given_name", "Marie", "email", "marie@example.com")}},
		"shop": {profiles: []connectors.Profile{prof("p1", "given_name", "Marie", "email", "marie@example.com", "phone", "+33612478931")}},
	}
	l := linkerOf(t, st, lists)
	if _, err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	erased := owner(t, st, nativeID("crm", "1001"))
	idents, _ := st.IdentitiesOf(ctx, []string{erased})
	list := suppress.NewForTest(st, "a-salt-of-at-least-thirty-two-characters")
	if err := list.Add(ctx, list.Entries(idents[0], "prq_test", time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EraseCustomer(ctx, erased, time.Now()); err != nil {
		t.Fatal(err)
	}
	lists["crm"].profiles = nil // the CRM erased its record; the shop could not
	// A new shop record of the same person (her e-mail, another key), and
	// another person.
	lists["shop"].profiles = append(lists["shop"].profiles,
		prof("p2", "given_name", "Marie", "email", "MARIE@example.com"),
		prof("p3", "given_name", "Jean", "email", "jean@example.com"))
	l.Suppression = list
	rep, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Suppressed != 2 || rep.Customers != 1 {
		t.Errorf("report %+v, want 2 records suppressed and Jean's customer made", rep)
	}
	for _, key := range []string{"p1", "p2"} {
		if got := owner(t, st, nativeID("shop", key)); got != "" {
			t.Errorf("shop %s linked to %s", key, got)
		}
	}
	if owner(t, st, nativeID("shop", "p3")) == "" {
		t.Error("another person's record was not linked")
	}
}
