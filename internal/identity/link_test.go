package identity

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func TestCluster(t *testing.T) {
	email := func(v string) ref { return ref{store.KindEmail, v} }
	phone := func(v string) ref { return ref{store.KindPhone, v} }
	wa := func(v string) ref { return ref{store.KindWhatsApp, v} }
	tests := []struct {
		name    string
		records []record
		want    [][]int // members of each group
		rules   map[int]string
		refused int
	}{
		{
			name: "shared e-mail joins",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email("ada@x.io")}, given: "ada"},
				{system: "shop", key: "a", refs: []ref{email("ada@x.io")}, given: "ada"},
			},
			want:  [][]int{{0, 1}},
			rules: map[int]string{0: RuleNew, 1: store.KindEmail},
		},
		{
			name: "whatsapp matches phone",
			records: []record{
				{system: "crm", key: "1", refs: []ref{phone("+33612345678")}},
				{system: "helpdesk", key: "9", refs: []ref{wa("+33612345678")}},
			},
			want:  [][]int{{0, 1}},
			rules: map[int]string{1: store.KindWhatsApp},
		},
		{
			name: "family inbox with different given names stays apart",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email("family@x.io")}, given: "ada"},
				{system: "crm", key: "2", refs: []ref{email("family@x.io")}, given: "alan"},
			},
			want:    [][]int{{0}, {1}},
			refused: 1,
		},
		{
			name: "a later record bridges two earlier ones",
			records: []record{
				{system: "crm", key: "1", refs: []ref{email("ada@x.io")}},
				{system: "calls", key: "c", refs: []ref{phone("+33612345678")}},
				{system: "shop", key: "s", refs: []ref{email("ada@x.io"), phone("+33612345678")}},
			},
			want:  [][]int{{0, 1, 2}},
			rules: map[int]string{0: RuleNew, 1: store.KindPhone, 2: store.KindEmail},
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
			groups, refused := cluster(tt.records)
			if refused != tt.refused {
				t.Errorf("refused = %d, want %d", refused, tt.refused)
			}
			if len(groups) != len(tt.want) {
				t.Fatalf("groups = %+v, want members %v", groups, tt.want)
			}
			for i, g := range groups {
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
			}
		})
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

func TestSyncLinksAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	crm := &lister{profiles: []connectors.Profile{
		prof("1001", "given_name", "Marie", "email", "Marie.Dupont@Example.com", "phone", "06 12 34 56 78"),
		prof("1002", "given_name", "Jean", "email", "jean@example.org"),
		prof("1003", "given_name", "Ana"), // no identifiers
	}}
	shop := &lister{profiles: []connectors.Profile{
		prof("gid://shop/Customer/1", "given_name", "marie", "email", "marie.dupont@example.com"),
		prof("gid://shop/Customer/2", "given_name", "Paul", "email", "bad address"),
	}}
	helpdesk := &lister{profiles: []connectors.Profile{
		prof("77", "whatsapp", "33612345678"),
	}}
	down := &lister{fail: true}
	set, err := sources.NewSet(
		sources.New("crm", "go", crm, sources.Options{}, nil, nil),
		sources.New("shop", "go", shop, sources.Options{}, nil, nil),
		sources.New("helpdesk", "go", helpdesk, sources.Options{}, nil, nil),
		sources.New("calls", "go", down, sources.Options{}, nil, nil),
	)
	if err != nil {
		t.Fatal(err)
	}
	l := &Linker{Store: st, Sources: set, Normalizer: Normalizer{DefaultRegion: "FR"}, PageSize: 2,
		Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }}

	rep, err := l.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Marie (crm 1001 + shop 1 + helpdesk 77), Jean, Ana, Paul.
	if rep.Records != 6 || rep.Customers != 4 || rep.Invalid != 1 || len(rep.Failed) != 1 || rep.Failed[0] != "calls" {
		t.Fatalf("report = %+v", rep)
	}

	n := Normalizer{DefaultRegion: "FR"}
	owner := func(kind, system, value string) string {
		t.Helper()
		v, err := n.Normalize(kind, value)
		if err != nil {
			t.Fatal(err)
		}
		id := store.IdentityID(kind, system, v)
		got, err := st.Owners(ctx, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		if got[0] == nil {
			return ""
		}
		return got[0].CustomerID
	}
	marie := owner(store.KindExternalID, "crm", "1001")
	if marie == "" {
		t.Fatal("crm 1001 is not linked")
	}
	for _, c := range []struct{ kind, system, value string }{
		{store.KindExternalID, "shop", "gid://shop/Customer/1"},
		{store.KindExternalID, "helpdesk", "77"},
		{store.KindEmail, "", " MARIE.DUPONT@example.com"},
		{store.KindPhone, "", "+33 6 12 34 56 78"},
	} {
		if got := owner(c.kind, c.system, c.value); got != marie {
			t.Errorf("%s %s belongs to %q, want Marie %q", c.kind, c.value, got, marie)
		}
	}
	if jean := owner(store.KindExternalID, "crm", "1002"); jean == "" || jean == marie {
		t.Errorf("Jean = %q, must be his own customer", jean)
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
	if got := owner(store.KindExternalID, "shop", "gid://shop/Customer/3"); got != marie {
		t.Errorf("new shop record belongs to %q, want Marie %q", got, marie)
	}
}
