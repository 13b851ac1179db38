package store

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/harmonyhq/harmony/internal/store/embedded"
)

func openInternal(t *testing.T) (*Store, *embedded.Server) {
	t.Helper()
	ctx := context.Background()
	srv, err := embedded.Start(ctx, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	s, err := Open(ctx, srv.URI(), "keystest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	if err := srv.IndexIDs(ctx); err != nil {
		t.Fatal(err)
	}
	return s, srv
}

// storedKeys reads the keys documents as stored, nil where missing.
func storedKeys(t *testing.T, s *Store, ids []string) map[string]*keysDoc {
	t.Helper()
	found, err := findByIDs(context.Background(), s, s.keys(), ids, nil, keysID)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// checkKeys fails unless every customer's keys document is there and says
// what the identities and customers collections say.
func checkKeys(t *testing.T, s *Store, step string, ids ...string) {
	t.Helper()
	truth, err := s.buildKeys(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	stored := storedKeys(t, s, ids)
	for _, id := range ids {
		k := stored[id]
		if k == nil {
			t.Errorf("%s: %s has no keys document", step, id)
			continue
		}
		if got, want := summary(k), summary(truth[id]); got != want {
			t.Errorf("%s: %s keys = %s, want %s", step, id, got, want)
		}
	}
}

// summary is every field of a keys document that a read shows.
func summary(k *keysDoc) string {
	var ids []string
	for _, idn := range k.Identities {
		ids = append(ids, fmt.Sprintf("{%s %s %s/%s/%s rule=%s source=%s conf=%g at=%d status=%q from=%v merges=%v}",
			idn.ID, idn.CustomerID, idn.Kind, idn.System, idn.Value, idn.Rule, idn.Source, idn.Confidence,
			idn.LinkedAt.UnixMilli(), idn.Status, slices.Clip(append([]string{}, idn.MergedFrom...)),
			slices.Clip(append([]string{}, idn.MergeIDs...))))
	}
	return fmt.Sprintf("%v merged %v", ids, k.Merged)
}

func ident(customer, kind, system, value string) Identity {
	return Identity{ID: IdentityID(kind, system, value), CustomerID: customer, Kind: kind, System: system, Value: value,
		Rule: "email", Source: "crm", Confidence: 1, LinkedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
}

// TestKeysFollowEveryChange: after each change of the identity graph, the
// keys documents of the customers it touched say what the collections say,
// and the change hook heard of those customers.
func TestKeysFollowEveryChange(t *testing.T) {
	ctx := context.Background()
	s, _ := openInternal(t)
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	heard := map[string]int{}
	s.OnChange(func(_ context.Context, ids []string) {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range ids {
			heard[id]++
		}
	})
	hear := func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := heard
		heard = map[string]int{}
		return out
	}
	all := []string{"cus_a", "cus_b", "cus_c"}
	card := ident("", KindLoyaltyCard, "", "LC1")
	steps := []struct {
		name  string
		do    func() error
		heard []string
	}{
		{"sync: new customers", func() error {
			_, _, err := s.AddLinked(ctx, []Customer{{ID: "cus_a", CreatedAt: at}, {ID: "cus_b", CreatedAt: at}, {ID: "cus_c", CreatedAt: at}},
				[]Identity{ident("cus_a", KindEmail, "", "a@example.com"), ident("cus_a", KindExternalID, "pos", "P1"),
					ident("cus_b", KindEmail, "", "b@example.com")})
			return err
		}, nil},
		{"sync: an existing customer gains one", func() error {
			_, err := s.AddIdentities(ctx, []Identity{ident("cus_b", KindPhone, "", "+33612345678"),
				ident("cus_c", KindEmail, "", "a@example.com")}) // owned by cus_a: refused
			return err
		}, []string{"cus_b", "cus_c"}},
		{"link", func() error { _, err := s.Link(ctx, "cus_c", card, "t", "", 50); return err }, []string{"cus_c"}},
		{"merge", func() error { _, err := s.Merge(ctx, "cus_a", "cus_b", "t", "", at, 50); return err }, []string{"cus_a", "cus_b"}},
		{"unlink a key", func() error {
			_, err := s.Unlink(ctx, "cus_a", IdentityID(KindExternalID, "pos", "P1"), "t", "", at)
			return err
		}, []string{"cus_a"}},
		{"split", func() error { _, err := s.Split(ctx, "cus_a", "cus_b", "t", "", at); return err }, []string{"cus_a", "cus_b"}},
		{"unlink an identifier", func() error { _, err := s.Unlink(ctx, "cus_c", card.ID, "t", "", at); return err }, []string{"cus_c"}},
		{"merge again", func() error { _, err := s.Merge(ctx, "cus_c", "cus_b", "t", "", at, 50); return err }, []string{"cus_b", "cus_c"}},
		{"erase", func() error { _, err := s.EraseCustomer(ctx, "cus_b", at); return err }, []string{"cus_b", "cus_c"}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		check := all
		detached := detachedID(ident("", KindExternalID, "pos", "P1"), "cus_a")
		if exist, _ := s.customersByID(ctx, []string{detached}); exist[detached] != nil {
			check = append(check, detached)
		}
		checkKeys(t, s, st.name, check...)
		got := hear()
		for _, id := range st.heard {
			if got[id] == 0 {
				t.Errorf("%s: the change hook did not hear of %s (heard %v)", st.name, id, got)
			}
		}
	}
	// The erased customers hold no identity; the detached key's customer
	// still does.
	idents, err := s.IdentitiesOf(ctx, []string{"cus_b", "cus_c"})
	if err != nil || len(idents[0])+len(idents[1]) != 0 {
		t.Errorf("erased identities = %v, %v", idents, err)
	}
}

// TestMissingKeysAreRebuilt: a keys document lost half way through a change
// is rebuilt from the collections by the next read, under the lock; while
// another request holds the lock, the read answers from the collections
// and says its answer must not be cached.
func TestMissingKeysAreRebuilt(t *testing.T) {
	ctx := context.Background()
	s, _ := openInternal(t)
	at := time.Now()
	if _, _, err := s.AddLinked(ctx, []Customer{{ID: "cus_a", CreatedAt: at}},
		[]Identity{ident("cus_a", KindEmail, "", "a@example.com")}); err != nil {
		t.Fatal(err)
	}
	if err := s.dropKeys(ctx, []string{"cus_a"}); err != nil {
		t.Fatal(err)
	}
	// Another request holds the lock: answered, not written.
	release, err := s.lock(ctx, []string{"cus_a"})
	if err != nil {
		t.Fatal(err)
	}
	got, fresh, err := s.readKeys(ctx, []string{"cus_a", "cus_nobody"})
	if err != nil || fresh || got["cus_a"] == nil || len(got["cus_a"].Identities) != 1 || got["cus_nobody"] != nil {
		t.Fatalf("readKeys under another's lock = %v, fresh %v, %v", got, fresh, err)
	}
	if storedKeys(t, s, []string{"cus_a"})["cus_a"] != nil {
		t.Error("a read wrote keys while another request held the lock")
	}
	release()
	got, fresh, err = s.readKeys(ctx, []string{"cus_a", "cus_nobody"})
	if err != nil || !fresh || got["cus_a"] == nil || len(got["cus_a"].Identities) != 1 {
		t.Fatalf("readKeys = %v, fresh %v, %v", got, fresh, err)
	}
	checkKeys(t, s, "repaired", "cus_a")
	if storedKeys(t, s, []string{"cus_nobody"})["cus_nobody"] != nil {
		t.Error("a read of an unknown customer wrote a keys document")
	}
}

// TestBackfillKeys: a store written before keys documents existed gets one
// per customer at the next Open, once.
func TestBackfillKeys(t *testing.T) {
	ctx := context.Background()
	s, srv := openInternal(t)
	at := time.Now()
	var cs []Customer
	var ids []Identity
	for i := range 30 {
		c := fmt.Sprintf("cus_%02d", i)
		cs = append(cs, Customer{ID: c, CreatedAt: at})
		ids = append(ids, ident(c, KindEmail, "", c+"@example.com"), ident(c, KindExternalID, "crm", c))
	}
	if _, _, err := s.AddLinked(ctx, cs, ids); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Merge(ctx, "cus_00", "cus_01", "t", "", at, 50); err != nil {
		t.Fatal(err)
	}
	// As an older version left it: no keys documents, no mark.
	if _, err := s.keys().DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.marks().DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, srv.URI(), "keystest")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = again.Close(ctx) }()
	all := make([]string, len(cs))
	for i, c := range cs {
		all[i] = c.ID
	}
	checkKeys(t, again, "backfilled", all...)
	if k := storedKeys(t, again, []string{"cus_00"})["cus_00"]; k == nil || !slices.Equal(k.Merged, []string{"cus_01"}) || len(k.Identities) != 4 {
		t.Errorf("survivor keys = %+v", k)
	}
	if err := again.dropKeys(ctx, []string{"cus_05"}); err != nil {
		t.Fatal(err)
	}
	third, err := Open(ctx, srv.URI(), "keystest")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = third.Close(ctx) }()
	if storedKeys(t, third, []string{"cus_05"})["cus_05"] != nil {
		t.Error("the backfill ran twice (a missing document is the reader's to rebuild)")
	}
}

// TestCustomersInsertedMergedCountOnTheirSurvivor: customers inserted as
// already merged (an import, a test fixture) appear in their survivor's
// merged IDs, whether the survivor is inserted with them or existed.
func TestCustomersInsertedMergedCountOnTheirSurvivor(t *testing.T) {
	ctx := context.Background()
	s, _ := openInternal(t)
	at := time.Now()
	if _, err := s.AddCustomers(ctx, []Customer{{ID: "cus_s", CreatedAt: at}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.MergedIDs(ctx, []string{"cus_s"}); err != nil || len(got[0]) != 0 {
		t.Fatalf("before: %v, %v", got, err)
	}
	if _, err := s.AddCustomers(ctx, []Customer{
		{ID: "cus_m1", CreatedAt: at, MergedInto: "cus_s"},
		{ID: "cus_t", CreatedAt: at},
		{ID: "cus_m2", CreatedAt: at, MergedInto: "cus_t"},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.MergedIDs(ctx, []string{"cus_s", "cus_t"})
	if err != nil || !slices.Equal(got[0], []string{"cus_m1"}) || !slices.Equal(got[1], []string{"cus_m2"}) {
		t.Fatalf("merged IDs = %v, %v; want [cus_m1] and [cus_m2]", got, err)
	}
	checkKeys(t, s, "after the import", "cus_s", "cus_t")
}
