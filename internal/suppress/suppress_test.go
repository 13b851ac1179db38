package suppress_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/internal/suppress"
)

const salt = "a-configured-salt-of-32-characters!!"

// Entries are salted hashes of what they suppress: never the value, not
// the same under another salt, a phone and a WhatsApp ID alike, keys and
// identifiers apart.
func TestEntriesAreSaltedHashes(t *testing.T) {
	st := storetest.Open(t)
	a, b := suppress.NewForTest(st, salt), suppress.NewForTest(st, salt+"x")
	id := a.IdentifierID(store.KindEmail, "", "ana@example.com")
	if strings.Contains(id, "ana") || id == b.IdentifierID(store.KindEmail, "", "ana@example.com") {
		t.Errorf("entry %s holds the value or ignores the salt", id)
	}
	if a.IdentifierID(store.KindPhone, "", "+33612345678") != a.IdentifierID(store.KindWhatsApp, "", "+33612345678") {
		t.Error("a phone number and the same WhatsApp ID differ")
	}
	if a.KeyID("crm", "1001") == a.IdentifierID(store.KindExternalID, "crm", "1001") || a.KeyID("crm", "1001") == a.KeyID("shop", "1001") {
		t.Error("keys of systems, or keys and identifiers, collide")
	}
	entries := a.Entries([]store.Identity{
		{Kind: store.KindExternalID, System: "crm", Value: "1001"},
		{Kind: store.KindEmail, Value: "ana@example.com"},
		{Kind: store.KindEmail, Value: "family@example.com", Status: store.StatusShared},
	}, "prq_1", time.Now())
	if len(entries) != 2 {
		t.Errorf("entries = %+v, want the key and the matching e-mail (not a shared value)", entries)
	}
}

// The salt survives restarts: generated once and kept, or configured and
// checked, and a configured salt that does not match a list already
// written stops startup.
func TestSaltIsKeptAndChecked(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	first, generated, err := suppress.Open(ctx, st, "")
	if err != nil || !generated {
		t.Fatalf("open = %v, generated %v", err, generated)
	}
	key := first.KeyID("crm", "1001")
	if err := first.Add(ctx, first.Entries([]store.Identity{{Kind: store.KindExternalID, System: "crm", Value: "1001"}}, "prq_1", time.Now())); err != nil {
		t.Fatal(err)
	}
	again, _, err := suppress.Open(ctx, st, "")
	if err != nil || again.KeyID("crm", "1001") != key || !again.Key("crm", "1001") {
		t.Fatalf("reopened: %v; the salt or the list was lost", err)
	}
	if _, _, err := suppress.Open(ctx, st, salt); !errors.Is(err, suppress.ErrSaltMismatch) {
		t.Errorf("another salt over a written list: %v, want ErrSaltMismatch", err)
	}

	// On an empty list a configured salt is taken, then checked.
	fresh := storetest.Open(t)
	if _, _, err := suppress.Open(ctx, fresh, salt); err != nil {
		t.Fatal(err)
	}
	l, _, err := suppress.Open(ctx, fresh, salt)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Add(ctx, l.Entries([]store.Identity{{Kind: store.KindEmail, Value: "ana@example.com"}}, "prq_2", time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, _, err := suppress.Open(ctx, fresh, salt+"-changed"); !errors.Is(err, suppress.ErrSaltMismatch) {
		t.Errorf("a changed salt: %v, want ErrSaltMismatch", err)
	}
	if _, _, err := suppress.Open(ctx, fresh, ""); !errors.Is(err, suppress.ErrSaltMismatch) {
		t.Errorf("no salt where one was configured: %v, want ErrSaltMismatch", err)
	}
}

// Another replica's additions are seen after a reload.
func TestReloadSeesOtherReplicas(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	a, _, err := suppress.Open(ctx, st, salt)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := suppress.Open(ctx, st, salt)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add(ctx, a.Entries([]store.Identity{{Kind: store.KindExternalID, System: "pos", Value: "p1"}}, "prq_3", time.Now())); err != nil {
		t.Fatal(err)
	}
	if b.Key("pos", "p1") {
		t.Fatal("seen before the reload")
	}
	if err := b.Reload(ctx); err != nil || !b.Key("pos", "p1") {
		t.Errorf("after a reload: %v, seen %v", err, b.Key("pos", "p1"))
	}
}
