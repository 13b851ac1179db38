package identity

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/crm"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

// changes is a Go lister that can also list the records changed since a
// time, by their UpdatedAt, and says what it was asked.
type changes struct {
	mu       sync.Mutex
	profiles []connectors.Profile
	fail     bool
	sinces   []time.Time // one per listing: zero for a whole one
	served   int         // records served, all listings together
}

func (c *changes) Close() error       { return nil }
func (c *changes) ListsChanges() bool { return true }

func (c *changes) ListProfiles(ctx context.Context, cursor string, limit int) (connectors.ProfilePage, error) {
	return c.ListChangedProfiles(ctx, time.Time{}, cursor, limit)
}

func (c *changes) ListChangedProfiles(_ context.Context, since time.Time, cursor string, limit int) (connectors.ProfilePage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeUnavailable, "status 503")
	}
	if cursor == "" {
		c.sinces = append(c.sinces, since)
	}
	var match []connectors.Profile
	for _, p := range c.profiles {
		if since.IsZero() || !p.UpdatedAt.Before(since) {
			match = append(match, p)
		}
	}
	start, _ := strconv.Atoi(cursor)
	end := min(start+limit, len(match))
	page := connectors.ProfilePage{Profiles: match[start:end], Total: len(match)}
	if end < len(match) {
		page.Next = strconv.Itoa(end)
	}
	c.served += end - start
	return page, nil
}

// set replaces or adds the record with p's key.
func (c *changes) set(p connectors.Profile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.profiles {
		if c.profiles[i].Key == p.Key {
			c.profiles[i] = p
			return
		}
	}
	c.profiles = append(c.profiles, p)
}

func (c *changes) remove(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.profiles = slices.DeleteFunc(c.profiles, func(p connectors.Profile) bool { return p.Key == key })
}

func at(p connectors.Profile, t time.Time) connectors.Profile {
	p.UpdatedAt = t
	return p
}

// clock is a settable clock for the Linker.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func snapshotLinker(t *testing.T, st *store.Store, clk *clock, conns map[string]connectors.Connector) *Linker {
	t.Helper()
	var list []*sources.Source
	for _, name := range slices.Sorted(maps.Keys(conns)) {
		list = append(list, sources.New(name, "go", conns[name], sources.Options{Retries: 0}, nil, nil))
	}
	set, err := sources.NewSet(list...)
	if err != nil {
		t.Fatal(err)
	}
	return &Linker{Store: st, Sources: set, Policy: fiction(), PageSize: 2, Now: clk.now}
}

// partition is the customer of each native key, as groups of keys: the
// same grouping whatever the customers' IDs.
func partition(t *testing.T, st *store.Store, keys map[string][]string) [][]string {
	t.Helper()
	groups := map[string][]string{}
	for system, list := range keys {
		for _, k := range list {
			c := owner(t, st, nativeID(system, k))
			groups[c] = append(groups[c], system+"/"+k)
		}
	}
	var out [][]string
	for c, g := range groups {
		if c == "" {
			g = append([]string{"<unlinked>"}, g...)
		}
		slices.Sort(g)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b []string) int { return slices.Compare(a, b) })
	return out
}

func TestSyncListsChangesOnlyAndConverges(t *testing.T) {
	ctx := context.Background()
	t0 := syncTime
	crm := &changes{profiles: []connectors.Profile{
		at(prof("1", "given_name", "Ada", "email", "ada@example.org"), t0.Add(-48*time.Hour)),
		at(prof("2", "given_name", "Alan", "email", "alan@example.org"), t0.Add(-48*time.Hour)),
		at(prof("3", "given_name", "Grace", "phone", "+33647219358"), t0.Add(-48*time.Hour)),
	}}
	shop := &changes{profiles: []connectors.Profile{
		at(prof("a", "given_name", "Ada", "email", "ada@example.org"), t0.Add(-24*time.Hour)),
		at(prof("b", "given_name", "Grace", "email", "grace@example.org"), t0.Add(-24*time.Hour)),
	}}
	st := storetest.Open(t)
	clk := &clock{t: t0}
	l := snapshotLinker(t, st, clk, map[string]connectors.Connector{"crm": crm, "shop": shop})
	if rep, err := l.Sync(ctx); err != nil || len(rep.Incremental) != 0 {
		t.Fatalf("first sync: %+v, %v; want a whole listing", rep, err)
	}

	// An hour later: shop b gains Grace's phone (bridging crm 3), crm 2
	// changes e-mail, a new crm record arrives. Only these are listed.
	clk.t = t0.Add(time.Hour)
	shop.set(at(prof("b", "given_name", "Grace", "email", "grace@example.org", "phone", "06 47 21 93 58"), clk.t.Add(-time.Minute)))
	crm.set(at(prof("2", "given_name", "Alan", "email", "alan.t@example.org"), clk.t.Add(-time.Minute)))
	crm.set(at(prof("4", "given_name", "Ada", "email", "ada@example.org"), clk.t.Add(-time.Minute)))
	crmServed, shopServed := crm.served, shop.served
	rep, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Incremental, []string{"crm", "shop"}) {
		t.Fatalf("incremental = %v, want both sources", rep.Incremental)
	}
	if want := t0.Add(-changeSkew); crm.sinces[1] != want || shop.sinces[1] != want {
		t.Errorf("changes asked since %v and %v, want %v (the last listing's start less the skew)", crm.sinces[1], shop.sinces[1], want)
	}
	if got := (crm.served - crmServed) + (shop.served - shopServed); got != 3 {
		t.Errorf("%d records read, want the 3 changed ones", got)
	}
	if rep.Records != 6 {
		t.Errorf("%d records linked, want all 6 (the unchanged ones from the snapshot)", rep.Records)
	}
	keys := map[string][]string{"crm": {"1", "2", "3", "4"}, "shop": {"a", "b"}}
	got := partition(t, st, keys)

	// The same records, synced from scratch into another store.
	fresh := storetest.Open(t)
	if _, err := snapshotLinker(t, fresh, clk, map[string]connectors.Connector{"crm": crm, "shop": shop}).Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if want := partition(t, fresh, keys); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("incremental partition = %v, from scratch = %v", got, want)
	}
	if owner(t, st, nativeID("shop", "b")) != owner(t, st, nativeID("crm", "3")) {
		t.Error("the changed record's new phone did not bridge its holders")
	}

	// A restart: a new Linker over the same store starts from the stored
	// snapshot and still lists changes only.
	clk.t = t0.Add(2 * time.Hour)
	restarted := snapshotLinker(t, st, clk, map[string]connectors.Connector{"crm": crm, "shop": shop})
	rep, err = restarted.Sync(ctx)
	if err != nil || len(rep.Incremental) != 2 || rep.Records != 6 {
		t.Fatalf("after a restart: %+v, %v; want changes only over 6 records", rep, err)
	}

	// A deleted record leaves the snapshot at the next whole listing.
	crm.remove("4")
	clk.t = t0.Add(DefaultFullEvery + time.Hour)
	rep, err = restarted.Sync(ctx)
	if err != nil || len(rep.Incremental) != 0 || rep.Records != 5 {
		t.Fatalf("a day later: %+v, %v; want a whole listing of 5 records", rep, err)
	}
	docs, err := st.SourceRecords(ctx, "crm")
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for _, d := range docs {
		stored = append(stored, d.Key)
	}
	slices.Sort(stored)
	if !slices.Equal(stored, []string{"1", "2", "3"}) {
		t.Errorf("crm snapshot holds %v, want 1 2 3", stored)
	}
}

func TestSnapshotStandsInForAFailedListing(t *testing.T) {
	ctx := context.Background()
	crm := &lister{profiles: []connectors.Profile{prof("1", "given_name", "Ada", "email", "ada@example.org")}}
	shop := &changes{profiles: []connectors.Profile{prof("a", "given_name", "Ada", "email", "ada@example.org")}}
	st := storetest.Open(t)
	clk := &clock{t: syncTime}
	l := snapshotLinker(t, st, clk, map[string]connectors.Connector{"crm": crm, "shop": shop})
	if _, err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	ada := owner(t, st, nativeID("crm", "1"))

	// The shop fails; a new crm record sharing Ada's e-mail still joins,
	// through the shop's last complete listing.
	shop.fail = true
	crm.profiles = append(crm.profiles, prof("2", "given_name", "Ada", "email", "ada@example.org"))
	clk.t = syncTime.Add(time.Hour)
	rep, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.FailedNames(), []string{"shop"}) || !slices.Equal(rep.FromSnapshot, []string{"shop"}) {
		t.Fatalf("failed %v, from snapshot %v; want the shop in both", rep.FailedNames(), rep.FromSnapshot)
	}
	if got := owner(t, st, nativeID("crm", "2")); got != ada {
		t.Errorf("crm 2 linked to %q, want Ada's customer %s", got, ada)
	}
	if got := owner(t, st, nativeID("shop", "a")); got != ada {
		t.Errorf("the shop's record moved to %q while its system was down, want %s", got, ada)
	}

	// Too old a snapshot does not stand in: nothing is linked.
	crm.profiles = append(crm.profiles, prof("3", "given_name", "Alan", "email", "alan@example.org"))
	clk.t = syncTime.Add(DefaultSnapshotMaxAge + time.Minute)
	rep, err = l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.FromSnapshot) != 0 || rep.Customers != 0 {
		t.Fatalf("report %+v; want no snapshot used and nothing linked", rep)
	}
	if got := owner(t, st, nativeID("crm", "3")); got != "" {
		t.Errorf("crm 3 linked to %s with the shop's evidence a day old", got)
	}
}

func TestEraseSourceRecords(t *testing.T) {
	ctx := context.Background()
	crm := &lister{profiles: []connectors.Profile{
		prof("1", "given_name", "Ada", "email", "ada@example.org"),
		prof("2", "given_name", "Alan", "email", "alan@example.org"),
	}}
	shop := &lister{profiles: []connectors.Profile{prof("a", "given_name", "Ada", "phone", "+33612345678", "email", "ada@example.org")}}
	st := storetest.Open(t)
	l := snapshotLinker(t, st, &clock{t: syncTime}, map[string]connectors.Connector{"crm": crm, "shop": shop})
	if _, err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Ada's crm key, and her phone as a WhatsApp ID (the shop's record
	// holds it as a phone, so this finds nothing more).
	n, err := st.EraseSourceRecords(ctx, map[string][]string{"crm": {"1"}},
		[]string{store.IdentityID(store.KindEmail, "", "ada@example.org")})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d records erased, want 2 (crm 1 by key, shop a by e-mail)", n)
	}
	for system, want := range map[string][]string{"crm": {"2"}, "shop": nil} {
		docs, err := st.SourceRecords(ctx, system)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, d := range docs {
			keys = append(keys, d.Key)
		}
		if !slices.Equal(keys, want) {
			t.Errorf("%s snapshot holds %v after the erasure, want %v", system, keys, want)
		}
	}
}

// The demo's CRM simulator, read through the rest kind as the demo wires
// it: a sync after the first reads only the contacts changed since, and
// links the same partition.
func TestSyncListsCRMChangesOnly(t *testing.T) {
	ctx := context.Background()
	pop := population.Generate(7, 300)
	sim, err := crm.New(ctx, pop, crm.Options{Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Stop)
	cfg := "base_url: " + sim.URL() + `
auth: {type: bearer, token: t}
list_profiles:
  path: /crm/v3/objects/contacts
  query: {limit: "{{.Limit}}", after: "{{.Cursor}}", updatedSince: "{{rfc3339 .Since}}"}
  records: $.results
  key: $.id
  updated_at: $.updatedAt
  fields: {given_name: $.properties.firstname, family_name: $.properties.lastname, email: $.properties.email, phone: $.properties.phone}
  pagination: {style: cursor, next: $.paging.next.after}
`
	conn := connectortest.Build(t, "rest", cfg, connectors.Env{Name: "crm", HTTPClient: http.DefaultClient})
	set, err := sources.NewSet(sources.New("crm", "rest", conn, sources.Options{}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	// The clock stands after half the contacts' last change: counted
	// from the population, not from the simulator.
	var updated []time.Time
	for _, p := range pop.Members(population.CRM) {
		updated = append(updated, p.Records[population.CRM].UpdatedAt)
	}
	slices.SortFunc(updated, time.Time.Compare)
	clk := &clock{t: updated[len(updated)/2].Add(changeSkew)}
	wantChanged := 0
	for _, u := range updated {
		if !u.Truncate(time.Second).Before(updated[len(updated)/2].Truncate(time.Second)) {
			wantChanged++
		}
	}
	st := storetest.Open(t)
	l := &Linker{Store: st, Sources: set, Policy: fiction(), Now: clk.now}
	first, err := l.Sync(ctx)
	if err != nil || len(first.Failed) != 0 {
		t.Fatalf("first sync: %+v, %v", first, err)
	}
	sim.Reset()
	clk.t = clk.t.Add(time.Hour)
	rep, err := l.Sync(ctx)
	if err != nil || len(rep.Failed) != 0 || !slices.Equal(rep.Incremental, []string{"crm"}) {
		t.Fatalf("second sync: %+v, %v; want crm listed for its changes", rep, err)
	}
	if rep.Records != first.Records || rep.Customers != 0 || rep.Merged != 0 || rep.Moved != 0 {
		t.Errorf("second sync %+v; want the same %d records and nothing changed", rep, first.Records)
	}
	read := sim.Count("contacts.list")
	if want := int64(wantChanged/connectors.DefaultListPageSize + 1); read != want {
		t.Errorf("%d pages read for the changes, want %d (%d changed contacts)", read, want, wantChanged)
	}
}

// A snapshot reduced under another normalisation is not used: the next
// sync lists the source whole, and a failed listing has no stand-in.
func TestSnapshotOfAnotherPolicyIsListedAgain(t *testing.T) {
	ctx := context.Background()
	shop := &changes{profiles: []connectors.Profile{prof("a", "given_name", "Ada", "email", "ada@example.org")}}
	st := storetest.Open(t)
	clk := &clock{t: syncTime}
	l := snapshotLinker(t, st, clk, map[string]connectors.Connector{"shop": shop})
	if _, err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	clk.t = syncTime.Add(time.Hour)
	l.Policy = policyOf(t, config.Identity{DefaultRegion: "US", AllowReservedDomains: true})
	rep, err := l.Sync(ctx)
	if err != nil || len(rep.Incremental) != 0 {
		t.Fatalf("after a region change: %+v, %v; want a whole listing", rep, err)
	}
	shop.fail = true
	l.Policy = fiction()
	clk.t = syncTime.Add(2 * time.Hour)
	if rep, err = l.Sync(ctx); err != nil || len(rep.FromSnapshot) != 0 {
		t.Fatalf("failed listing after a policy change: %+v, %v; want no stand-in", rep, err)
	}
}
