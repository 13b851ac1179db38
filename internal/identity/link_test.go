package identity

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"

	"github.com/harmonyhq/harmony/internal/testlog"
)

func email(v string) ref { return ref{kind: store.KindEmail, value: v} }
func phone(v string) ref { return ref{kind: store.KindPhone, value: v} }
func wa(v string) ref    { return ref{kind: store.KindWhatsApp, value: v} }
func card(v string) ref  { return ref{kind: store.KindLoyaltyCard, value: v} }

func policyOf(t *testing.T, cfg config.Identity) *Policy {
	t.Helper()
	p, err := NewPolicy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCluster(t *testing.T) {
	const family, ada, alan = "family@x.io", "ada@x.io", "alan@x.io"
	const p1, p2 = "+33612345678", "+33687654321"
	const landline = "+33145678912"
	tests := []struct {
		name    string
		policy  *Policy // DefaultPolicy when nil
		records []record
		want    [][]int // members of each group
		rules   map[int]string
		shared  []string          // match keys
		reasons map[string]string // reason of shared match keys
		refused int
		capped  int
		alerts  int
	}{
		{
			name: "shared e-mail joins",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(ada)}, given: "ada"},
				{system: "shop", key: "a", refs: []ref{email(ada)}, given: "ada"},
			},
			want:  [][]int{{0, 1}},
			rules: map[int]string{0: RuleNew, 1: "email"},
		},
		{
			name: "whatsapp matches phone under the phone rule",
			records: []record{
				{system: "crm", key: "1", refs: []ref{phone(p1)}},
				{system: "helpdesk", key: "9", refs: []ref{wa(p1)}},
			},
			want:  [][]int{{0, 1}},
			rules: map[int]string{1: "phone"},
		},
		{
			name: "family inbox with different given names stays apart and is shared",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(family)}, given: "ada"},
				{system: "crm", key: "2", refs: []ref{email(family)}, given: "alan"},
			},
			want:    [][]int{{0}, {1}},
			shared:  []string{email(family).matchKey()},
			refused: 1,
		},
		{
			name: "a nameless record first does not merge the family before the conflict",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(family), phone(p1)}, given: "ada"},
				{system: "mailing", key: "m", refs: []ref{email(family)}},
				{system: "shop", key: "s", refs: []ref{email(family), phone(p2)}, given: "alan"},
				{system: "calls", key: "c", refs: []ref{phone(p2)}, given: "alan"},
			},
			want:    [][]int{{0}, {1}, {2, 3}},
			rules:   map[int]string{3: "phone"},
			shared:  []string{email(family).matchKey()},
			refused: 2,
		},
		{
			name: "two people bridged by a nameless record: the bridging value is shared",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(ada)}, given: "ada"},
				{system: "mailing", key: "m", refs: []ref{email(ada), phone(p1)}},
				{system: "calls", key: "c", refs: []ref{phone(p1)}, given: "alan"},
			},
			want:    [][]int{{0, 1}, {2}},
			shared:  []string{phone(p1).matchKey()},
			refused: 1,
		},
		{
			name: "a later record bridges two earlier ones; the highest-priority rule is recorded",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(ada)}},
				{system: "calls", key: "c", refs: []ref{phone(p1)}},
				{system: "shop", key: "s", refs: []ref{phone(p1), email(ada)}},
				{system: "pos", key: "p", refs: []ref{phone(p1), card("LC1")}},
				{system: "crm", key: "2", refs: []ref{card("LC1")}},
			},
			want:  [][]int{{0, 1, 2, 3, 4}},
			rules: map[int]string{0: RuleNew, 1: "phone", 2: "email", 3: "loyalty_card", 4: "loyalty_card"},
		},
		{
			name: "a one-typo given name joins when e-mail and phone agree",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(ada), phone(p1)}, given: "marie"},
				{system: "shop", key: "s", refs: []ref{email(ada), wa(p1)}, given: "maire"},
			},
			want: [][]int{{0, 1}},
		},
		{
			name: "a one-typo given name with one value in common is two people",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(family), phone(p1)}, given: "marie"},
				{system: "shop", key: "s", refs: []ref{email(family), phone(p2)}, given: "mario"},
			},
			want:    [][]int{{0}, {1}},
			shared:  []string{email(family).matchKey()},
			refused: 1,
		},
		{
			name: "short names are never typos",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(ada), phone(p1)}, given: "ana"},
				{system: "shop", key: "s", refs: []ref{email(ada), phone(p1)}, given: "ann"},
			},
			want:    [][]int{{0}, {1}},
			shared:  []string{email(ada).matchKey(), phone(p1).matchKey()},
			refused: 2,
		},
		{
			name: "blocked, unnormalised and held values never join",
			records: []record{
				{system: "crm", key: "1", refs: []ref{{kind: store.KindEmail, value: "info@x.io", status: store.StatusBlocked}}},
				{system: "shop", key: "s", refs: []ref{{kind: store.KindEmail, value: "info@x.io", status: store.StatusBlocked}}},
				{system: "crm", key: "2", refs: []ref{{kind: store.KindPhone, value: "call me", status: store.StatusUnnormalized}}},
				{system: "shop", key: "t", refs: []ref{{kind: store.KindPhone, value: "call me", status: store.StatusUnnormalized}}},
				{system: "crm", key: "3", refs: []ref{{kind: store.KindEmail, value: ada, held: true}}},
				{system: "shop", key: "u", refs: []ref{{kind: store.KindEmail, value: ada, held: true}}},
			},
			want: [][]int{{0}, {1}, {2}, {3}, {4}, {5}},
		},
		{
			name:   "a kind no rule names links but never matches",
			policy: policyOf(t, config.Identity{Rules: []config.MatchRule{{Name: "mail", Kinds: []string{"email"}, Confidence: 0.9}}}),
			records: []record{
				{system: "crm", key: "1", refs: []ref{phone(p1)}},
				{system: "shop", key: "s", refs: []ref{phone(p1), email(ada)}},
				{system: "calls", key: "c", refs: []ref{email(ada)}},
			},
			want:   [][]int{{0}, {1, 2}},
			rules:  map[int]string{2: "mail"},
			shared: []string{phone(p1).matchKey()},
		},
		{
			name:   "the identity cap refuses a join",
			policy: policyOf(t, config.Identity{MaxIdentitiesPerCustomer: 3}),
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(ada)}},
				{system: "shop", key: "s", refs: []ref{email(ada)}},
				{system: "calls", key: "c", refs: []ref{email(ada)}},
			},
			want:   [][]int{{0, 1}, {2}},
			shared: []string{email(ada).matchKey()},
			capped: 1,
		},
		{
			name:   "one value held by more people than the threshold raises an alert",
			policy: policyOf(t, config.Identity{AlertCustomersPerIdentifier: 2}),
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(family)}, given: "ada"},
				{system: "crm", key: "2", refs: []ref{email(family)}, given: "alan"},
				{system: "crm", key: "3", refs: []ref{email(family)}, given: "grace"},
			},
			want:    [][]int{{0}, {1}, {2}},
			shared:  []string{email(family).matchKey()},
			refused: 2,
			alerts:  1,
		},
		{
			name: "a couple one letter apart sharing an inbox and a landline stays apart",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(family), phone(landline)}, given: "michel", family: "dupont"},
				{system: "shop", key: "s", refs: []ref{email(family), phone(landline)}, given: "michele", family: "dupont"},
				{system: "crm", key: "2", refs: []ref{email(family), phone(landline)}, given: "denis"},
				{system: "shop", key: "t", refs: []ref{email(family), phone(landline)}, given: "denise"},
			},
			want:    [][]int{{0}, {1}, {2}, {3}},
			shared:  []string{email(family).matchKey(), phone(landline).matchKey()},
			reasons: map[string]string{email(family).matchKey(): ReasonNames, phone(landline).matchKey(): ReasonNames},
			refused: 6,
			alerts:  2, // four people behind each value
		},
		{
			name: "a one-letter typo with only household values in common is two people",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(family), phone(landline)}, given: "marie"},
				{system: "shop", key: "s", refs: []ref{email(family), phone(landline)}, given: "maire"},
			},
			want:    [][]int{{0}, {1}},
			shared:  []string{email(family).matchKey(), phone(landline).matchKey()},
			reasons: map[string]string{email(family).matchKey(): ReasonHousehold, phone(landline).matchKey(): ReasonHousehold},
			refused: 2,
		},
		{
			name: "a one-letter typo with the same birth date joins",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(family), phone(landline)}, given: "marie", birth: "1980-02-03"},
				{system: "shop", key: "s", refs: []ref{email(family)}, given: "maire", birth: "1980-02-03"},
			},
			want: [][]int{{0, 1}},
		},
		{
			name: "a recycled number with the same given name: e-mails differ",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(ada), phone(p1)}, given: "marie"},
				{system: "shop", key: "s", refs: []ref{email(alan), phone(p1)}, given: "marie"},
			},
			want:    [][]int{{0}, {1}},
			shared:  []string{phone(p1).matchKey()},
			reasons: map[string]string{phone(p1).matchKey(): ReasonEmails},
			refused: 1,
		},
		{
			name: "a recycled number with the same given name: family names differ",
			records: []record{
				{system: "crm", key: "1", refs: []ref{phone(p1)}, given: "marie", family: "dupont"},
				{system: "shop", key: "s", refs: []ref{phone(p1)}, given: "marie", family: "lefebvre"},
				{system: "calls", key: "c", refs: []ref{phone(p2)}, given: "marie", family: "martin"},
				{system: "pos", key: "p", refs: []ref{phone(p2)}, given: "marie", family: "martin-durand"},
			},
			want:    [][]int{{0}, {1}, {2, 3}},
			shared:  []string{phone(p1).matchKey()},
			reasons: map[string]string{phone(p1).matchKey(): ReasonFamilyNames},
			refused: 1,
		},
		{
			name: "different birth dates refuse a shared e-mail",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email(ada)}, given: "ada", birth: "1980-02-03"},
				{system: "shop", key: "s", refs: []ref{email(ada)}, given: "ada", birth: "1981-02-03"},
			},
			want:    [][]int{{0}, {1}},
			shared:  []string{email(ada).matchKey()},
			reasons: map[string]string{email(ada).matchKey(): ReasonBirthDates},
			refused: 1,
		},
		{
			name: "no identifiers, own customer",
			records: []record{
				{system: "crm", key: "1"},
				{system: "crm", key: "2"},
			},
			want: [][]int{{0}, {1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.records {
				for j := range tt.records[i].refs {
					if tt.records[i].refs[j].status == "" {
						tt.records[i].refs[j].status = store.StatusMatch
					}
				}
			}
			p := tt.policy
			if p == nil {
				p = DefaultPolicy()
			}
			c := cluster(tt.records, p, nil)
			refused := 0
			for _, n := range c.refused {
				refused += n
			}
			if refused != tt.refused || c.capped != tt.capped || len(c.alerts) != tt.alerts {
				t.Errorf("refused, capped, alerts = %d, %d, %d; want %d, %d, %d",
					refused, c.capped, len(c.alerts), tt.refused, tt.capped, tt.alerts)
			}
			if len(c.shared) != len(tt.shared) {
				t.Errorf("shared = %q, want %q", keysOf(c.shared), tt.shared)
			}
			for _, k := range tt.shared {
				if c.shared[k] == "" {
					t.Errorf("shared = %q, want %q", keysOf(c.shared), tt.shared)
				}
			}
			for k, want := range tt.reasons {
				if c.shared[k] != want {
					t.Errorf("reason of %q = %q, want %q", strings.ReplaceAll(k, "\x00", " "), c.shared[k], want)
				}
			}
			if len(c.groups) != len(tt.want) {
				t.Fatalf("groups = %+v, want members %v", c.groups, tt.want)
			}
			for i, g := range c.groups {
				if len(g.members) != len(tt.want[i]) {
					t.Fatalf("group %d = %v, want %v", i, g.members, tt.want[i])
				}
				for j, m := range g.members {
					if m != tt.want[i][j] {
						t.Fatalf("group %d = %v, want %v", i, g.members, tt.want[i])
					}
					if want, ok := tt.rules[m]; ok && g.rule[m] != want {
						t.Errorf("rule of record %d = %q, want %q", m, g.rule[m], want)
					}
				}
				if g.rule[g.members[0]] != RuleNew {
					t.Errorf("the first record of group %d has rule %q, want %q", i, g.rule[g.members[0]], RuleNew)
				}
			}
		})
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, strings.ReplaceAll(k, "\x00", " "))
	}
	return out
}

func TestClusterRecordsRuleConfidence(t *testing.T) {
	p := policyOf(t, config.Identity{Rules: []config.MatchRule{
		{Name: "card", Kinds: []string{"loyalty_card"}, Confidence: 1},
		{Name: "mobile", Kinds: []string{"whatsapp"}, Confidence: 0.8},
	}})
	records := []record{
		{system: "crm", key: "1", refs: []ref{{kind: store.KindPhone, value: "+33612345678"}}},
		{system: "helpdesk", key: "h", refs: []ref{{kind: store.KindWhatsApp, value: "+33612345678"}}},
	}
	for i := range records {
		records[i].refs[0].status = store.StatusMatch
	}
	c := cluster(records, p, nil)
	if len(c.groups) != 1 {
		t.Fatalf("groups = %+v, want one", c.groups)
	}
	if g := c.groups[0]; g.rule[1] != "mobile" || g.confidence[1] != 0.8 || g.rule[0] != RuleNew || g.confidence[0] != 1 {
		t.Errorf("rules %v, confidences %v; want mobile at 0.8 for the second record", g.rule, g.confidence)
	}
}

func TestTypoApart(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"marie", "maire", true},  // swap
		{"marie", "mari", true},   // deletion
		{"marie", "marrie", true}, // insertion
		{"marie", "mario", true},  // substitution
		{"marie", "marie", false}, // equal is not a typo
		{"marie", "mira", false},  // two edits
		{"ana", "ann", false},     // too short
		{"jean", "joan", true},
		{"thomas", "tohmsa", false},
		{"helene", "hélène", false}, // folding happens before
	}
	for _, tt := range tests {
		if got := typoApart(tt.a, tt.b); got != tt.want {
			t.Errorf("typoApart(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := typoApart(tt.b, tt.a); got != tt.want {
			t.Errorf("typoApart(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
	if got := foldName(" Hélène "); got != "helene" {
		t.Errorf("foldName = %q, want helene", got)
	}
	if got := foldName("JÜRGEN"); got != "jurgen" {
		t.Errorf("foldName = %q, want jurgen", got)
	}
}

func TestReduce(t *testing.T) {
	r, invalid := reduce("crm", prof("1", "given_name", " Hélène ", "email", "INFO@Example.com", "phone", "call me",
		"whatsapp", "33612478931", "loyalty_card", "lc-1"), DefaultPolicy())
	if invalid != 1 || r.given != "helene" {
		t.Fatalf("record = %+v, invalid %d", r, invalid)
	}
	want := []ref{
		{kind: store.KindEmail, value: "info@example.com", status: store.StatusBlocked},
		{kind: store.KindPhone, value: "call me", status: store.StatusUnnormalized},
		{kind: store.KindWhatsApp, value: "+33612478931", status: store.StatusMatch},
		{kind: store.KindLoyaltyCard, value: "LC1", status: store.StatusMatch},
	}
	if len(r.refs) != len(want) {
		t.Fatalf("refs = %+v, want %+v", r.refs, want)
	}
	for i := range want {
		if r.refs[i] != want[i] {
			t.Errorf("ref %d = %+v, want %+v", i, r.refs[i], want[i])
		}
	}
}

// lister is a Go connector that pages through fixed records.
type lister struct {
	profiles []connectors.Profile
	fail     bool
}

func (l *lister) Close() error { return nil }

func (l *lister) ListProfiles(_ context.Context, cursor string, limit int) (connectors.ProfilePage, error) {
	if l.fail {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeUnavailable, "status 503")
	}
	start, _ := strconv.Atoi(cursor)
	end := min(start+limit, len(l.profiles))
	page := connectors.ProfilePage{Profiles: l.profiles[start:end]}
	if end < len(l.profiles) {
		page.Next = strconv.Itoa(end)
	}
	return page, nil
}

func prof(key string, fields ...string) connectors.Profile {
	p := connectors.Profile{Key: key, Fields: map[string]string{}}
	for i := 0; i+1 < len(fields); i += 2 {
		p.Fields[fields[i]] = fields[i+1]
	}
	return p
}

var syncTime = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func linkerOf(t *testing.T, st *store.Store, lists map[string]*lister) *Linker {
	t.Helper()
	var list []*sources.Source
	for _, name := range slices.Sorted(maps.Keys(lists)) {
		list = append(list, sources.New(name, "go", lists[name], sources.Options{}, nil, nil))
	}
	set, err := sources.NewSet(list...)
	if err != nil {
		t.Fatal(err)
	}
	return &Linker{Store: st, Sources: set, Policy: fiction(), PageSize: 2, Now: func() time.Time { return syncTime }}
}

// owner returns the customer owning an identity ID, "" for none.
func owner(t *testing.T, st *store.Store, id string) string {
	t.Helper()
	got, err := st.Owners(context.Background(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] == nil {
		return ""
	}
	return got[0].CustomerID
}

func nativeID(system, key string) string { return store.IdentityID(store.KindExternalID, system, key) }

func TestSyncLinksAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	crm := &lister{profiles: []connectors.Profile{
		prof("1001", "given_name", "Marie", "email", "Marie.Dupont@Example.com", "phone", "06 12 47 89 31"),
		prof("1002", "given_name", "Jean", "email", "jean@example.org"),
		prof("1003", "given_name", "Ana"), // no identifiers
	}}
	shop := &lister{profiles: []connectors.Profile{
		prof("gid://shop/Customer/1", "given_name", "marie", "email", "marie.dupont@example.com"),
		prof("gid://shop/Customer/2", "given_name", "Paul", "email", "bad address"),
	}}
	helpdesk := &lister{profiles: []connectors.Profile{
		prof("77", "whatsapp", "33612478931"),
	}}
	// A failing source stops the whole sync: see TestSyncLinksNothingWhenAListingFails.
	l := linkerOf(t, st, map[string]*lister{"crm": crm, "shop": shop, "helpdesk": helpdesk})

	rep, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Marie (crm 1001 + shop 1 + helpdesk 77), Jean, Ana, Paul.
	if rep.Records != 6 || rep.Customers != 4 || rep.Invalid != 1 || len(rep.Failed) != 0 {
		t.Fatalf("report = %+v", rep)
	}

	n := DefaultPolicy().Normalizer
	ownerOf := func(kind, system, value string) string {
		t.Helper()
		v, err := n.Normalize(kind, value)
		if err != nil {
			t.Fatal(err)
		}
		return owner(t, st, store.IdentityID(kind, system, v))
	}
	marie := ownerOf(store.KindExternalID, "crm", "1001")
	if marie == "" {
		t.Fatal("crm 1001 is not linked")
	}
	if want := newCustomerID(record{system: "crm", key: "1001"}); marie != want {
		t.Errorf("Marie's ID = %s, want the deterministic %s", marie, want)
	}
	for _, c := range []struct{ kind, system, value string }{
		{store.KindExternalID, "shop", "gid://shop/Customer/1"},
		{store.KindExternalID, "helpdesk", "77"},
		{store.KindEmail, "", " MARIE.DUPONT@example.com"},
		{store.KindPhone, "", "+33 6 12 47 89 31"},
	} {
		if got := ownerOf(c.kind, c.system, c.value); got != marie {
			t.Errorf("%s %s belongs to %q, want Marie %q", c.kind, c.value, got, marie)
		}
	}
	if jean := ownerOf(store.KindExternalID, "crm", "1002"); jean == "" || jean == marie {
		t.Errorf("Jean = %q, must be his own customer", jean)
	}
	links, err := st.Owners(ctx, []string{nativeID("shop", "gid://shop/Customer/1"), nativeID("helpdesk", "77")})
	if err != nil {
		t.Fatal(err)
	}
	if links[0].Rule != "email" || links[1].Rule != "phone" || links[0].Confidence != 1 {
		t.Errorf("rules = %q, %q; want email, phone", links[0].Rule, links[1].Rule)
	}
	// Paul's address did not normalise: kept as given, on Paul only.
	paul := ownerOf(store.KindExternalID, "shop", "gid://shop/Customer/2")
	bad, err := st.Owners(ctx, []string{store.ScopedIdentityID(store.KindEmail, "", "bad address", "shop", "gid://shop/Customer/2")})
	if err != nil {
		t.Fatal(err)
	}
	if bad[0] == nil || bad[0].CustomerID != paul || bad[0].Status != store.StatusUnnormalized || bad[0].Value != "bad address" {
		t.Errorf("unnormalised address = %+v, want kept on Paul %s", bad[0], paul)
	}

	// A second run adds nothing and keeps every ID.
	rep2, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep2.Customers != 0 || rep2.Identities != 0 {
		t.Fatalf("second run = %+v, want nothing new", rep2)
	}
	// A new record with Marie's e-mail joins Marie.
	shop.profiles = append(shop.profiles, prof("gid://shop/Customer/3", "email", "marie.dupont@example.com"))
	if _, err := l.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ownerOf(store.KindExternalID, "shop", "gid://shop/Customer/3"); got != marie {
		t.Errorf("new shop record belongs to %q, want Marie %q", got, marie)
	}
}

func TestSyncKeepsSharedAndBlockedValuesPerCustomer(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	crm := &lister{profiles: []connectors.Profile{
		prof("1", "given_name", "Ada", "email", "dupont.family@example.com", "phone", "06 12 47 89 31"),
		prof("2", "given_name", "Alan", "email", "Dupont.Family@example.com", "phone", "06 87 65 13 29"),
		prof("3", "given_name", "Grace", "email", "info@example.org", "phone", "06 11 22 33 44"),
		prof("4", "given_name", "Linus", "email", "info@example.org"),
	}}
	calls := &lister{profiles: []connectors.Profile{
		prof("c1", "given_name", "Ada", "phone", "+33 6 12 47 89 31"),
		prof("c2", "given_name", "Alan", "email", "dupont.family@example.com", "phone", "+33687651329"),
	}}
	var logs bytes.Buffer
	l := linkerOf(t, st, map[string]*lister{"crm": crm, "calls": calls})
	l.Log = slog.New(slog.NewTextHandler(testlog.Tee(&logs), nil))
	l.Policy = policyOf(t, config.Identity{AllowReservedDomains: true, AlertCustomersPerIdentifier: 2, Blocked: map[string][]string{"phone": {"+3361122*"}}})

	rep, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Customers != 4 || rep.Shared != 1 || rep.Refused != 1 || rep.Blocked != 3 || rep.Alerts != 0 {
		t.Fatalf("report = %+v; want 4 customers, the family inbox shared, 3 blocked values", rep)
	}
	ada, alan := owner(t, st, nativeID("crm", "1")), owner(t, st, nativeID("crm", "2"))
	if ada == alan || owner(t, st, nativeID("calls", "c1")) != ada || owner(t, st, nativeID("calls", "c2")) != alan {
		t.Fatalf("Ada %s and Alan %s must be two customers, each with their call-center record", ada, alan)
	}
	if got := owner(t, st, store.IdentityID(store.KindEmail, "", "dupont.family@example.com")); got != "" {
		t.Errorf("the family inbox matches customer %s; it must match nobody", got)
	}
	grace, linus := owner(t, st, nativeID("crm", "3")), owner(t, st, nativeID("crm", "4"))
	if grace == linus {
		t.Error("a blocked inbox merged Grace and Linus")
	}
	all, err := st.IdentitiesOf(ctx, []string{ada, alan, grace, linus})
	if err != nil {
		t.Fatal(err)
	}
	count := func(ids []store.Identity, status, value string) int {
		n := 0
		for _, id := range ids {
			if id.Status == status && id.Value == value {
				n++
			}
		}
		return n
	}
	if count(all[0], store.StatusShared, "dupont.family@example.com") != 1 || count(all[1], store.StatusShared, "dupont.family@example.com") != 2 {
		t.Errorf("the family inbox is not kept as shared on each record: %+v / %+v", all[0], all[1])
	}
	if count(all[2], store.StatusBlocked, "info@example.org") != 1 || count(all[3], store.StatusBlocked, "info@example.org") != 1 ||
		count(all[2], store.StatusBlocked, "+33611223344") != 1 {
		t.Errorf("blocked values are not kept on each customer: %+v / %+v", all[2], all[3])
	}

	// A third person on the family inbox: an alert, without the value.
	crm.profiles = append(crm.profiles, prof("5", "given_name", "Grace", "email", "dupont.family@example.com"))
	rep, err = l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Alerts != 1 || rep.Customers != 1 {
		t.Errorf("report = %+v, want one alert and one new customer", rep)
	}
	if !strings.Contains(logs.String(), store.IdentityID(store.KindEmail, "", "dupont.family@example.com")) ||
		strings.Contains(strings.ToLower(logs.String()), "dupont") {
		t.Errorf("the alert must name the identity by its ID only: %s", logs.String())
	}
	rep, err = l.Sync(ctx)
	if err != nil || rep.Customers != 0 || rep.Identities != 0 {
		t.Errorf("third run = %+v, %v; want nothing new", rep, err)
	}
}

func TestSyncNeverRelinksUnlinkedOrMergedAway(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	// A person unlinked the address ada@x.io; the customer of crm 1 was
	// merged into another.
	unlinked := store.Identity{ID: store.IdentityID(store.KindEmail, "", "ada@x.io"), Kind: store.KindEmail,
		Value: "ada@x.io", Status: store.StatusUnlinked, Rule: "manual", LinkedAt: syncTime}
	if _, err := st.AddIdentities(ctx, []store.Identity{unlinked}); err != nil {
		t.Fatal(err)
	}
	retired := newCustomerID(record{system: "crm", key: "1"})
	if _, err := st.AddCustomers(ctx, []store.Customer{{ID: retired, MergedInto: "cus_survivor", CreatedAt: syncTime}}); err != nil {
		t.Fatal(err)
	}
	crm := &lister{profiles: []connectors.Profile{
		prof("1", "given_name", "Ada", "phone", "06 12 47 89 31"),
		prof("2", "given_name", "Ada", "email", "ada@x.io"),
	}}
	shop := &lister{profiles: []connectors.Profile{
		prof("s", "given_name", "Ada", "email", "ada@x.io", "phone", "+33612478931"),
	}}
	l := linkerOf(t, st, map[string]*lister{"crm": crm, "shop": shop})
	rep, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// crm 1 and shop s join by phone; crm 2 stays alone: the address is unlinked.
	one, two, s := owner(t, st, nativeID("crm", "1")), owner(t, st, nativeID("crm", "2")), owner(t, st, nativeID("shop", "s"))
	if one == "" || one != s || two == one {
		t.Fatalf("crm 1 %q, shop s %q, crm 2 %q: want the first two together, crm 2 apart", one, s, two)
	}
	if one == retired {
		t.Error("records were linked to a customer merged into another")
	}
	if want := newCustomerID(record{system: "shop", key: "s"}); one != want {
		t.Errorf("customer = %s, want %s, named after the next record", one, want)
	}
	got, err := st.Owners(ctx, []string{unlinked.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] == nil || got[0].Status != store.StatusUnlinked || got[0].CustomerID != "" {
		t.Errorf("the unlinked address = %+v, want it left unlinked", got[0])
	}
	if rep.Customers != 2 {
		t.Errorf("report = %+v, want 2 new customers", rep)
	}
	rep, err = l.Sync(ctx)
	if err != nil || rep.Customers != 0 || rep.Identities != 0 {
		t.Errorf("second run = %+v, %v; want nothing new", rep, err)
	}
}
