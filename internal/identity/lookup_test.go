package identity

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

// finder is a Go connector that can list and search fixed records by
// e-mail (as given, lower-cased).
type finder struct {
	lister
	mu    sync.Mutex
	calls [][]connectors.Identifier
}

func (f *finder) FindProfiles(_ context.Context, ids []connectors.Identifier) ([]connectors.Profile, error) {
	f.mu.Lock()
	f.calls = append(f.calls, slices.Clone(ids))
	f.mu.Unlock()
	if f.fail {
		return nil, connectors.Errorf(connectors.CodeUnavailable, "status 503")
	}
	var out []connectors.Profile
	for _, p := range f.profiles {
		for _, id := range ids {
			if id.Kind == connectors.IdentifierEmail && n(p.Get(connectors.FieldEmail)) == id.Value {
				out = append(out, p)
				break
			}
		}
	}
	return out, nil
}

func n(email string) string {
	v, err := DefaultPolicy().Normalizer.Normalize(store.KindEmail, email)
	if err != nil {
		return ""
	}
	return v
}

func TestLookupLinksAsSyncDoes(t *testing.T) {
	ctx := context.Background()
	records := []connectors.Profile{
		prof("1001", "given_name", "Marie", "email", "Marie.Dupont@Example.com", "phone", "06 12 47 89 31"),
		prof("1002", "given_name", "Jean", "email", "jean@example.org"),
		prof("1003", "given_name", "Ana", "email", "ana@example.org"),
	}
	mk := func(st *store.Store, crm *finder, down *finder) *Linker {
		list := []*sources.Source{sources.New("crm", "go", crm, sources.Options{}, nil, nil)}
		if down != nil {
			list = append(list, sources.New("helpdesk", "go", down, sources.Options{}, nil, nil))
		}
		set, err := sources.NewSet(list...)
		if err != nil {
			t.Fatal(err)
		}
		return &Linker{Store: st, Sources: set, Policy: fiction(), PageSize: 2, Now: func() time.Time { return syncTime }}
	}
	// The full sync's IDs, in a store of their own.
	synced := storetest.Open(t)
	if _, err := mk(synced, &finder{lister: lister{profiles: records}}, nil).Sync(ctx); err != nil {
		t.Fatal(err)
	}

	st := storetest.Open(t)
	crm := &finder{lister: lister{profiles: records}}
	down := &finder{lister: lister{fail: true}}
	l := mk(st, crm, down)
	ids := []connectors.Identifier{
		{Kind: connectors.IdentifierEmail, Value: "marie.dupont@example.com"},
		{Kind: connectors.IdentifierEmail, Value: "jean@example.org"},
		{Kind: connectors.IdentifierEmail, Value: "nobody@example.org"},
	}
	rep, err := l.Lookup(ctx, ids)
	if connectors.CodeOf(err) != connectors.CodeUnavailable || !slices.Equal(rep.FailedNames(), []string{"helpdesk"}) {
		t.Fatalf("err = %v, failed = %v; want the helpdesk's failure", err, rep.Failed)
	}
	if len(crm.calls) != 1 || len(crm.calls[0]) != 3 {
		t.Fatalf("crm calls = %d, want one for the whole batch", len(crm.calls))
	}
	if rep.Records != 2 || rep.Customers != 2 {
		t.Fatalf("report = %+v, want 2 records, 2 customers", rep)
	}
	for _, id := range []string{
		nativeID("crm", "1001"), nativeID("crm", "1002"),
		store.IdentityID(store.KindEmail, "", "marie.dupont@example.com"),
		store.IdentityID(store.KindPhone, "", "+33612478931"),
	} {
		if got, want := owner(t, st, id), owner(t, synced, id); got == "" || got != want {
			t.Errorf("%s belongs to %q, want %q as after a full sync", id, got, want)
		}
	}
	if got := owner(t, st, nativeID("crm", "1003")); got != "" {
		t.Errorf("crm 1003 was not asked about but belongs to %q", got)
	}

	// Asking again changes nothing.
	crm.calls = nil
	l = mk(st, crm, nil)
	rep, err = l.Lookup(ctx, ids)
	if err != nil || rep.Customers != 0 || rep.Identities != 0 || len(crm.calls) != 1 {
		t.Fatalf("second lookup = %+v, %v after %d calls; want nothing new", rep, err, len(crm.calls))
	}
}

// TestLookupNeverMovesLinks: a lookup sees a few records only, so it adds
// links and never moves one, even where those records alone would part a
// customer (the next full sync decides, seeing everything).
func TestLookupNeverMovesLinks(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	crm := &finder{lister: lister{profiles: []connectors.Profile{
		prof("1", "given_name", "Ada", "email", "ada@acme.io", "phone", "06 12 47 89 31"),
	}}}
	shop := &lister{profiles: []connectors.Profile{prof("s", "given_name", "Ada", "phone", "06 12 47 89 31")}}
	set, err := sources.NewSet(sources.New("crm", "go", crm, sources.Options{}, nil, nil), sources.New("shop", "go", shop, sources.Options{}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	l := &Linker{Store: st, Sources: set, Policy: fiction(), Now: func() time.Time { return syncTime }}
	if _, err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	joined := owner(t, st, nativeID("shop", "s"))
	if joined == "" || joined != owner(t, st, nativeID("crm", "1")) {
		t.Fatal("the sync did not join the two records")
	}
	// The CRM now also has Bob with the same number and another address:
	// a full sync would make the number shared and part Ada's records.
	crm.profiles = append(crm.profiles, prof("2", "given_name", "Ada", "email", "bob@acme.io", "phone", "06 12 47 89 31"))
	rep, err := l.Lookup(ctx, []connectors.Identifier{{Kind: connectors.IdentifierEmail, Value: "bob@acme.io"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Moved != 0 || rep.Merged != 0 {
		t.Errorf("lookup report = %+v, want no moves or merges", rep)
	}
	if got := owner(t, st, nativeID("shop", "s")); got != joined {
		t.Errorf("the lookup moved the shop record to %q", got)
	}
	if got := owner(t, st, nativeID("crm", "2")); got == "" || got == joined {
		t.Errorf("the looked-up record is in %q, want a customer of its own", got)
	}
}
