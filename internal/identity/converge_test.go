package identity

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

// TestSyncsConvergeInAnyOrder is the order-independence property: random
// permutations of a labelled population's records, split at random over 1
// to 5 syncs (each sync sees what the earlier ones saw and more), end in
// the partition one sync of everything gives on an empty store.
func TestSyncsConvergeInAnyOrder(t *testing.T) {
	ctx := context.Background()
	labelled := population.Labelled(11, 160)
	type rec struct {
		system string
		p      connectors.Profile
	}
	all := make([]rec, len(labelled))
	for i, lr := range labelled {
		all[i] = rec{lr.System, connectors.Profile{Key: lr.Key, Fields: map[string]string{
			connectors.FieldGivenName: lr.GivenName, connectors.FieldFamilyName: lr.FamilyName,
			connectors.FieldEmail: lr.Email, connectors.FieldPhone: lr.Phone,
			connectors.FieldWhatsApp: lr.WhatsApp, connectors.FieldLoyaltyCard: lr.LoyaltyCard,
		}}}
	}
	syncAll := func(t *testing.T, st *store.Store, visible []rec) {
		t.Helper()
		lists := map[string]*lister{}
		for _, r := range all {
			lists[r.system] = &lister{}
		}
		for _, r := range visible {
			lists[r.system].profiles = append(lists[r.system].profiles, r.p)
		}
		if _, err := linkerOf(t, st, lists).Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	partition := func(t *testing.T, st *store.Store) string {
		t.Helper()
		ids := make([]string, len(all))
		for i, r := range all {
			ids[i] = nativeID(r.system, r.p.Key)
		}
		owners, err := st.Owners(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		cids := make([]string, len(all))
		for i, o := range owners {
			if o == nil {
				t.Fatalf("record %s/%s is not linked", all[i].system, all[i].p.Key)
			}
			cids[i] = o.CustomerID
		}
		resolved, err := st.Resolve(ctx, cids)
		if err != nil {
			t.Fatal(err)
		}
		groups := map[string][]string{}
		for i, c := range resolved {
			groups[c.ID] = append(groups[c.ID], all[i].system+"/"+all[i].p.Key)
		}
		var out []string
		for _, g := range groups {
			slices.Sort(g)
			out = append(out, strings.Join(g, " "))
		}
		slices.Sort(out)
		return strings.Join(out, "\n")
	}

	base := storetest.Open(t)
	syncAll(t, base, all)
	want := partition(t, base)

	rng := rand.New(rand.NewPCG(20, 26))
	for trial := range 6 {
		perm := slices.Clone(all)
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		syncs := 1 + trial%5
		cuts := []int{}
		for range syncs - 1 {
			cuts = append(cuts, rng.IntN(len(perm)))
		}
		slices.Sort(cuts)
		cuts = append(cuts, len(perm))
		t.Run(fmt.Sprintf("trial %d, %d syncs", trial, syncs), func(t *testing.T) {
			st := storetest.Open(t)
			for _, c := range cuts {
				visible := slices.Clone(perm[:c])
				rng.Shuffle(len(visible), func(i, j int) { visible[i], visible[j] = visible[j], visible[i] })
				syncAll(t, st, visible)
			}
			if got := partition(t, st); got != want {
				t.Errorf("partition after %d syncs differs from one sync of everything:\n%s", syncs, diffLines(want, got))
			}
		})
	}
}

// diffLines lists the lines only one of two texts has.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}

// TestValueBlockedLaterLeavesItsCustomer: a value linked while it matched
// joins nobody once the policy blocks it; the records it alone joined
// part, as a sync from scratch would leave them.
func TestValueBlockedLaterLeavesItsCustomer(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	lists := map[string]*lister{
		"crm":  {profiles: []connectors.Profile{prof("1", "given_name", "Ada", "email", "desk@acme.io")}},
		"shop": {profiles: []connectors.Profile{prof("s", "given_name", "Ada", "email", "desk@acme.io")}},
	}
	l := linkerOf(t, st, lists)
	if _, err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if a, b := owner(t, st, nativeID("crm", "1")), owner(t, st, nativeID("shop", "s")); a == "" || a != b {
		t.Fatalf("before: crm in %q, shop in %q; want one customer", a, b)
	}
	l.Policy = policyOf(t, config.Identity{Blocked: map[string][]string{"email": {"desk@*"}}})
	rep, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, b := owner(t, st, nativeID("crm", "1")), owner(t, st, nativeID("shop", "s"))
	if a == "" || b == "" || a == b {
		t.Fatalf("after: crm in %q, shop in %q; want two customers", a, b)
	}
	docs, err := st.Owners(ctx, []string{store.IdentityID(store.KindEmail, "", "desk@acme.io")})
	if err != nil {
		t.Fatal(err)
	}
	if d := docs[0]; d == nil || d.CustomerID != "" || d.Status != store.StatusBlocked {
		t.Fatalf("the value's own identity = %+v, want blocked and nobody's", d)
	}
	if rep.Moved == 0 {
		t.Errorf("report = %+v, want moves", rep)
	}
	ids, err := st.IdentitiesOf(ctx, []string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	for i, list := range ids {
		n := 0
		for _, id := range list {
			if id.Kind == store.KindEmail && id.Status == store.StatusBlocked {
				n++
			}
		}
		if n != 1 {
			t.Errorf("customer %d shows %d blocked copies of the address, want 1: %+v", i, n, list)
		}
	}
}
