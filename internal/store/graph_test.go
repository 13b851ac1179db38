package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// seed stores customers, each with the identities given as kind/value
// pairs (system keys as "external_id", "system:key").
func seed(t *testing.T, s *store.Store, customers map[string][]store.Identity) {
	t.Helper()
	ctx := context.Background()
	var cs []store.Customer
	var ids []store.Identity
	for c, list := range customers {
		cs = append(cs, store.Customer{ID: c, CreatedAt: t0})
		for _, id := range list {
			id.CustomerID = c
			ids = append(ids, id)
		}
	}
	if _, err := s.AddCustomers(ctx, cs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddIdentities(ctx, ids); err != nil {
		t.Fatal(err)
	}
}

func idn(kind, system, value string) store.Identity {
	return store.Identity{ID: store.IdentityID(kind, system, value), Kind: kind, System: system, Value: value,
		Rule: "email", Source: "crm", Confidence: 1, LinkedAt: t0}
}

// values returns a customer's identity values, sorted.
func values(t *testing.T, s *store.Store, customerID string) []string {
	t.Helper()
	all, err := s.IdentitiesOf(context.Background(), []string{customerID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, id := range all[0] {
		out = append(out, id.Value)
	}
	slices.Sort(out)
	return out
}

func resolve(t *testing.T, s *store.Store, id string) string {
	t.Helper()
	res, err := s.Resolve(context.Background(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if res[0] == nil {
		return ""
	}
	return res[0].ID
}

func history(t *testing.T, s *store.Store, customerID string) []string {
	t.Helper()
	evs, err := s.History(context.Background(), customerID, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action+":"+e.State)
	}
	return out
}

func TestMergeAndSplitRestoreBothCustomers(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	seed(t, s, map[string][]store.Identity{
		"cus_a": {idn(store.KindEmail, "", "a@example.com"), idn(store.KindExternalID, "crm", "1")},
		"cus_b": {idn(store.KindPhone, "", "+33612345678"), idn(store.KindExternalID, "pos", "P-1")},
	})

	ch, err := s.Merge(ctx, "cus_a", "cus_b", "agent-7", "same person at the till", t0, 50)
	if err != nil || !ch.Changed || ch.Customer != "cus_a" || ch.Event == nil || ch.Event.State != store.StateDone {
		t.Fatalf("Merge = %+v, %v", ch, err)
	}
	if got := values(t, s, "cus_a"); !slices.Equal(got, []string{"+33612345678", "1", "P-1", "a@example.com"}) {
		t.Errorf("survivor identities = %v", got)
	}
	if got := values(t, s, "cus_b"); len(got) != 0 {
		t.Errorf("merged customer keeps %v", got)
	}
	if got := resolve(t, s, "cus_b"); got != "cus_a" {
		t.Errorf("merged ID resolves to %q, want cus_a", got)
	}
	merged, err := s.MergedIDs(ctx, []string{"cus_a", "cus_b"})
	if err != nil || !slices.Equal(merged[0], []string{"cus_b"}) || len(merged[1]) != 0 {
		t.Errorf("MergedIDs = %v, %v", merged, err)
	}

	// Asking again changes nothing and answers with the same event.
	again, err := s.Merge(ctx, "cus_a", "cus_b", "agent-7", "", t0, 50)
	if err != nil || again.Changed || again.Event == nil || again.Event.ID != ch.Event.ID {
		t.Fatalf("Merge again = %+v, %v", again, err)
	}
	// The reverse direction is the same customer now.
	if rev, err := s.Merge(ctx, "cus_b", "cus_a", "agent-8", "", t0, 50); err != nil || rev.Changed {
		t.Fatalf("reverse Merge = %+v, %v", rev, err)
	}

	sp, err := s.Split(ctx, "cus_a", "cus_b", "agent-9", "wrong merge", t0.Add(time.Hour))
	if err != nil || !sp.Changed || sp.Event == nil {
		t.Fatalf("Split = %+v, %v", sp, err)
	}
	if got := values(t, s, "cus_a"); !slices.Equal(got, []string{"1", "a@example.com"}) {
		t.Errorf("after split, survivor = %v", got)
	}
	if got := values(t, s, "cus_b"); !slices.Equal(got, []string{"+33612345678", "P-1"}) {
		t.Errorf("after split, restored = %v", got)
	}
	if got := resolve(t, s, "cus_b"); got != "cus_b" {
		t.Errorf("after split cus_b resolves to %q", got)
	}
	if sp2, err := s.Split(ctx, "cus_a", "cus_b", "agent-9", "", t0); err != nil || sp2.Changed || sp2.Event == nil || sp2.Event.ID != sp.Event.ID {
		t.Fatalf("Split again = %+v, %v", sp2, err)
	}
	if got, want := history(t, s, "cus_b"), []string{"split:done", "merge:done"}; !slices.Equal(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
	evs, _ := s.History(ctx, "cus_a", nil, 10)
	if len(evs) != 2 || evs[1].Actor != "agent-7" || evs[1].Reason != "same person at the till" || len(evs[1].Identities) != 2 {
		t.Errorf("merge event = %+v", evs)
	}
	// Merging again after a split works and is a new event.
	ch2, err := s.Merge(ctx, "cus_a", "cus_b", "agent-7", "", t0.Add(2*time.Hour), 50)
	if err != nil || !ch2.Changed || ch2.Event.ID == ch.Event.ID {
		t.Fatalf("second Merge = %+v, %v", ch2, err)
	}
}

func TestNestedMergesSplitInReverse(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	seed(t, s, map[string][]store.Identity{
		"cus_a": {idn(store.KindEmail, "", "a@example.com")},
		"cus_b": {idn(store.KindEmail, "", "b@example.com")},
		"cus_c": {idn(store.KindEmail, "", "c@example.com")},
	})
	mustMerge := func(sv, mg string) {
		if _, err := s.Merge(ctx, sv, mg, "t", "", t0, 50); err != nil {
			t.Fatal(err)
		}
	}
	mustMerge("cus_a", "cus_b")
	mustMerge("cus_c", "cus_a")
	if got := resolve(t, s, "cus_b"); got != "cus_c" {
		t.Fatalf("cus_b resolves to %q, want cus_c", got)
	}
	if _, err := s.Split(ctx, "cus_a", "cus_b", "t", "", t0); !errors.Is(err, store.ErrInactive) {
		t.Fatalf("split under a merged survivor: %v, want ErrInactive", err)
	}
	if _, err := s.Split(ctx, "cus_c", "cus_a", "t", "", t0); err != nil {
		t.Fatal(err)
	}
	if got := values(t, s, "cus_a"); !slices.Equal(got, []string{"a@example.com", "b@example.com"}) {
		t.Errorf("cus_a = %v", got)
	}
	if _, err := s.Split(ctx, "cus_a", "cus_b", "t", "", t0); err != nil {
		t.Fatal(err)
	}
	for c, want := range map[string]string{"cus_a": "a@example.com", "cus_b": "b@example.com", "cus_c": "c@example.com"} {
		if got := values(t, s, c); !slices.Equal(got, []string{want}) {
			t.Errorf("%s = %v, want [%s]", c, got, want)
		}
	}
}

func TestMergeGuards(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	seed(t, s, map[string][]store.Identity{
		"cus_a": {idn(store.KindEmail, "", "a@example.com"), idn(store.KindEmail, "", "a2@example.com")},
		"cus_b": {idn(store.KindEmail, "", "b@example.com"), idn(store.KindEmail, "", "b2@example.com")},
	})
	tests := []struct {
		name     string
		sv, mg   string
		max      int
		want     error
		survivor string
	}{
		{"over the cap", "cus_a", "cus_b", 3, store.ErrLimit, "cus_b"},
		{"unknown customer", "cus_a", "cus_zz", 50, store.ErrNoCustomer, "cus_b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Merge(ctx, tc.sv, tc.mg, "t", "", t0, tc.max); !errors.Is(err, tc.want) {
				t.Fatalf("Merge = %v, want %v", err, tc.want)
			}
			if got := resolve(t, s, "cus_b"); got != tc.survivor {
				t.Errorf("cus_b resolves to %q", got)
			}
		})
	}
	if _, err := s.Split(ctx, "cus_a", "cus_b", "t", "", t0); !errors.Is(err, store.ErrNotMerged) {
		t.Errorf("Split of unmerged = %v, want ErrNotMerged", err)
	}
}

// Concurrent merges of the same customers, in both directions, end in one
// customer with every identity, one merge event, and no cycle.
func TestConcurrentMergesAgree(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	seed(t, s, map[string][]store.Identity{
		"cus_a": {idn(store.KindEmail, "", "a@example.com")},
		"cus_b": {idn(store.KindEmail, "", "b@example.com")},
	})
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sv, mg := "cus_a", "cus_b"
			if i%2 == 1 {
				sv, mg = mg, sv
			}
			_, errs[i] = s.Merge(ctx, sv, mg, "t", "", t0, 50)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("merge %d: %v", i, err)
		}
	}
	a, b := resolve(t, s, "cus_a"), resolve(t, s, "cus_b")
	if a == "" || a != b {
		t.Fatalf("resolve: cus_a→%q cus_b→%q, want one survivor", a, b)
	}
	if got := values(t, s, a); !slices.Equal(got, []string{"a@example.com", "b@example.com"}) {
		t.Errorf("survivor identities = %v", got)
	}
	if got := history(t, s, a); !slices.Equal(got, []string{"merge:done"}) {
		t.Errorf("history = %v, want one merge", got)
	}
}

func TestLinkAndUnlink(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	seed(t, s, map[string][]store.Identity{
		"cus_a": {idn(store.KindEmail, "", "a@example.com"), idn(store.KindExternalID, "pos", "P-1")},
		"cus_b": {idn(store.KindEmail, "", "b@example.com")},
	})
	card := idn(store.KindLoyaltyCard, "", "LC00000001")
	card.Source = "agent"

	steps := []struct {
		name    string
		do      func() (store.Change, error)
		want    error
		changed bool
	}{
		{"link new", func() (store.Change, error) { return s.Link(ctx, "cus_a", card, "t", "", 50) }, nil, true},
		{"link again", func() (store.Change, error) { return s.Link(ctx, "cus_a", card, "t", "", 50) }, nil, false},
		{"link owned by another", func() (store.Change, error) { return s.Link(ctx, "cus_b", card, "t", "", 50) }, store.ErrConflict, false},
		{"link over the cap", func() (store.Change, error) {
			return s.Link(ctx, "cus_b", idn(store.KindPhone, "", "+33600000001"), "t", "", 1)
		}, store.ErrLimit, false},
		{"unlink", func() (store.Change, error) { return s.Unlink(ctx, "cus_a", card.ID, "t", "", t0.Add(time.Hour)) }, nil, true},
		{"unlink again", func() (store.Change, error) { return s.Unlink(ctx, "cus_a", card.ID, "t", "", t0) }, nil, false},
		{"unlink not linked", func() (store.Change, error) {
			return s.Unlink(ctx, "cus_b", store.IdentityID(store.KindEmail, "", "a@example.com"), "t", "", t0)
		}, store.ErrNotLinked, false},
		{"relink after unlink", func() (store.Change, error) { return s.Link(ctx, "cus_b", card, "t", "", 50) }, nil, true},
	}
	for _, st := range steps {
		ch, err := st.do()
		if !errors.Is(err, st.want) || (err == nil && ch.Changed != st.changed) {
			t.Fatalf("%s: %+v, %v; want changed=%v err=%v", st.name, ch, err, st.changed, st.want)
		}
	}
	if got := values(t, s, "cus_b"); !slices.Equal(got, []string{"LC00000001", "b@example.com"}) {
		t.Errorf("cus_b = %v", got)
	}

	// Unlinking a system's key moves that record to a customer of its own.
	key := store.IdentityID(store.KindExternalID, "pos", "P-1")
	ch, err := s.Unlink(ctx, "cus_a", key, "t", "", t0.Add(2*time.Hour))
	if err != nil || ch.Detached == "" || ch.Detached == "cus_a" {
		t.Fatalf("Unlink key = %+v, %v", ch, err)
	}
	if got := values(t, s, ch.Detached); !slices.Equal(got, []string{"P-1"}) {
		t.Errorf("detached customer = %v", got)
	}
	if again, err := s.Unlink(ctx, "cus_a", key, "t", "", t0); err != nil || again.Changed || again.Detached != ch.Detached {
		t.Errorf("Unlink key again = %+v, %v", again, err)
	}
	if got, want := history(t, s, "cus_a"), []string{"unlink:done", "unlink:done", "link:done"}; !slices.Equal(got, want) {
		t.Errorf("cus_a history = %v, want %v", got, want)
	}
	// History pages.
	first, _ := s.History(ctx, "cus_a", nil, 2)
	rest, _ := s.History(ctx, "cus_a", &store.HistoryPage{At: first[1].At, ID: first[1].ID}, 2)
	if len(first) != 2 || len(rest) != 1 || rest[0].Action != store.ActionLink {
		t.Errorf("history pages: %d then %+v", len(first), rest)
	}
}
