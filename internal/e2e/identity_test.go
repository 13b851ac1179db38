package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// TestHundredIdentifiersInOneStoreRoundTrip resolves 100 identifiers,
// written as systems write them, in one store level: one query to the
// identities collection on MongoDB (an $in on _id), one _id lookup per
// identity on FerretDB, which would read the whole collection for an $in;
// no query that reads a whole collection either way.
func TestHundredIdentifiersInOneStoreRoundTrip(t *testing.T) {
	e := boot(t)
	pop := e.demo.Simulators.Population()
	var idents []map[string]any
	var persons []int
	for _, p := range pop.Members(population.CRM) {
		if len(idents) == 100 {
			break
		}
		if len(idents)%2 == 0 {
			idents = append(idents, map[string]any{"kind": "EMAIL", "value": " " + strings.ToUpper(p.Email) + " "})
		} else {
			idents = append(idents, map[string]any{"kind": "PHONE", "value": p.Phone})
		}
		persons = append(persons, p.Index)
	}
	if len(idents) != 100 {
		t.Fatalf("only %d people in the CRM", len(idents))
	}
	st := e.gw.Store
	findIdentities, findCustomers := st.Commands("find", "identities"), st.Commands("find", "customers")
	scanIdentities, scanCustomers := st.Scans("identities"), st.Scans("customers")
	var out struct {
		Cs []*struct{ ID string } `json:"customersByIdentifiers"`
	}
	e.mustQuery(t, `query($ids: [IdentifierInput!]!) { customersByIdentifiers(identifiers: $ids) { id } }`,
		map[string]any{"ids": idents}, &out)
	if got := st.Commands("find", "identities") - findIdentities; !st.IsFerretDB() && got != 1 {
		t.Errorf("identities queries = %d, want 1", got)
	}
	if got := st.Scans("identities") - scanIdentities; got != 0 {
		t.Errorf("identities read whole %d times, want 0", got)
	}
	if got := st.Commands("find", "customers") - findCustomers; !st.IsFerretDB() && got != 0 {
		t.Errorf("customers queries = %d, want 0", got)
	}
	if got := st.Scans("customers") - scanCustomers; got != 0 {
		t.Errorf("customers read whole %d times, want 0", got)
	}
	if len(out.Cs) != 100 {
		t.Fatalf("%d answers, want 100", len(out.Cs))
	}
	// Each answer is the customer of that person's CRM record.
	for i, c := range out.Cs {
		p, _ := pop.Person(persons[i])
		var want struct {
			C *struct{ ID string } `json:"customerByIdentifier"`
		}
		e.mustQuery(t, `query($k: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: "crm", value: $k) { id } }`,
			map[string]any{"k": p.Key(population.CRM)}, &want)
		if c == nil || want.C == nil || c.ID != want.C.ID {
			t.Fatalf("identifier %d (%s) resolved to %+v, want %+v", i, idents[i]["kind"], c, want.C)
		}
	}

	// A bad identifier costs its own entry only, and its value is not echoed.
	r := e.query(t, `{ customersByIdentifiers(identifiers: [{kind: PHONE, value: "not-a-phone"}, {kind: LOYALTY_CARD, value: "LC-00000000-nobody"}]) { id } }`, nil, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || strings.Contains(r.Errors[0].Message, "not-a-phone") {
		t.Fatalf("errors = %+v", r.Errors)
	}
}

type identityView struct {
	Kind   string  `json:"kind"`
	System *string `json:"system"`
	Value  string  `json:"value"`
	Rule   string  `json:"rule"`
	Status string  `json:"status"`
}

type customerIdentities struct {
	ID         string         `json:"id"`
	MergedIDs  []string       `json:"mergedIds"`
	Identities []identityView `json:"identities"`
}

const identitiesQuery = `query($id: ID!) { customer(id: $id) { id mergedIds identities { kind system value rule status } } }`

func (e *env) identities(t *testing.T, id string) customerIdentities {
	t.Helper()
	var out struct {
		C *customerIdentities `json:"customer"`
	}
	e.mustQuery(t, identitiesQuery, map[string]any{"id": id}, &out)
	if out.C == nil {
		t.Fatalf("customer %s not found", id)
	}
	return *out.C
}

func valuesOf(c customerIdentities) []string {
	var out []string
	for _, id := range c.Identities {
		out = append(out, id.Kind+":"+id.Value)
	}
	slices.Sort(out)
	return out
}

func (e *env) customerOf(t *testing.T, system, key string) string {
	t.Helper()
	var out struct {
		C *struct{ ID string } `json:"customerByIdentifier"`
	}
	e.mustQuery(t, `query($s: String!, $k: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: $s, value: $k) { id } }`,
		map[string]any{"s": system, "k": key}, &out)
	if out.C == nil {
		t.Fatalf("no customer for %s key", system)
	}
	return out.C.ID
}

type explanation struct {
	A, B         string
	SameCustomer bool   `json:"sameCustomer"`
	Verdict      string `json:"verdict"`
	Summary      string `json:"summary"`
	Evidence     []struct {
		Kind     string  `json:"kind"`
		Rule     *string `json:"rule"`
		Decision string  `json:"decision"`
	} `json:"evidence"`
	Events []struct {
		Action string `json:"action"`
		Actor  string `json:"actor"`
	} `json:"events"`
}

func (e *env) explain(t *testing.T, a, b string) explanation {
	t.Helper()
	var out struct {
		X explanation `json:"explainMatch"`
	}
	e.mustQuery(t, `query($a: ID!, $b: ID!) { explainMatch(a: $a, b: $b) { a b sameCustomer verdict summary
		evidence { kind rule decision } events { action actor } } }`, map[string]any{"a": a, "b": b}, &out)
	return out.X
}

// TestMergeExplainSplit merges two customers, checks that the merged ID
// resolves to the survivor with every identity, that a re-sync changes
// nothing, that explainMatch and the history say what happened, and splits
// them back to exactly what they were.
func TestMergeExplainSplit(t *testing.T) {
	e := boot(t)
	pop := e.demo.Simulators.Population()
	crm := pop.Members(population.CRM)
	a, b := e.customerOf(t, population.CRM, crm[3].Key(population.CRM)), e.customerOf(t, population.CRM, crm[4].Key(population.CRM))
	beforeA, beforeB := e.identities(t, a), e.identities(t, b)

	if x := e.explain(t, a, b); x.SameCustomer || x.Verdict != "UNRELATED" || len(x.Evidence) != 0 {
		t.Fatalf("before merge: %+v", x)
	}
	if x := e.explain(t, a, a); !x.SameCustomer || x.Verdict != "SAME_CUSTOMER" || len(x.Evidence) == 0 {
		t.Fatalf("a with itself: %+v", x)
	}

	const merge = `mutation($s: ID!, $m: ID!) { mergeCustomers(input: {survivorId: $s, mergedId: $m, reason: "test"}) {
		changed mergedId survivor { id mergedIds identities { kind value } } event { id action actor customerIds identities { kind } } } }`
	type mergeOut struct {
		M struct {
			Changed  bool   `json:"changed"`
			MergedID string `json:"mergedId"`
			Survivor struct {
				ID         string         `json:"id"`
				MergedIDs  []string       `json:"mergedIds"`
				Identities []identityView `json:"identities"`
			} `json:"survivor"`
			Event *struct {
				ID          string   `json:"id"`
				Action      string   `json:"action"`
				Actor       string   `json:"actor"`
				CustomerIDs []string `json:"customerIds"`
			} `json:"event"`
		} `json:"mergeCustomers"`
	}
	var m mergeOut
	e.mustQuery(t, merge, map[string]any{"s": a, "m": b}, &m)
	if !m.M.Changed || m.M.Survivor.ID != a || !slices.Equal(m.M.Survivor.MergedIDs, []string{b}) || m.M.Event == nil ||
		m.M.Event.Action != "MERGE" || m.M.Event.Actor != "anonymous" || !slices.Equal(m.M.Event.CustomerIDs, []string{a, b}) {
		t.Fatalf("merge = %+v", m.M)
	}
	if got, want := len(m.M.Survivor.Identities), len(beforeA.Identities)+len(beforeB.Identities); got != want {
		t.Errorf("survivor has %d identities, want %d", got, want)
	}
	// The merged ID resolves to the survivor; so do its records.
	if got := e.identities(t, b); got.ID != a {
		t.Errorf("customer(%s) = %s, want the survivor %s", b, got.ID, a)
	}
	if got := e.customerOf(t, population.CRM, crm[4].Key(population.CRM)); got != a {
		t.Errorf("merged record resolves to %s, want %s", got, a)
	}
	// Asked by the merged ID, the survivor's level is the one its fields
	// read through: none of their reads is left for the safety timer.
	waits := batchWaits(t, e)
	e.mustQuery(t, `query($id: ID!) { customer(id: $id) { id profile { sources } orders(first: 3) { id } } }`, map[string]any{"id": b}, nil)
	after := batchWaits(t, e)
	if n := after[loaders.ClosedBySafety] - waits[loaders.ClosedBySafety]; n != 0 {
		t.Errorf("reading by the merged ID left %d batches to the safety timer", n)
	}
	// Asking again changes nothing and names the same event.
	var again mergeOut
	e.mustQuery(t, merge, map[string]any{"s": a, "m": b}, &again)
	if again.M.Changed || again.M.Event == nil || again.M.Event.ID != m.M.Event.ID {
		t.Errorf("merge again = %+v", again.M)
	}
	// A re-sync keeps the merge.
	if err := e.gw.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.identities(t, b); got.ID != a || len(got.Identities) != len(m.M.Survivor.Identities) {
		t.Errorf("after re-sync: %s with %d identities", got.ID, len(got.Identities))
	}
	if x := e.explain(t, a, b); !x.SameCustomer || x.Verdict != "MERGED" || len(x.Events) != 1 || x.Events[0].Action != "MERGE" {
		t.Fatalf("after merge: %+v", x)
	}

	var sp struct {
		S struct {
			Changed   bool `json:"changed"`
			Customers []struct {
				ID string `json:"id"`
			} `json:"customers"`
			Event *struct{ Action string } `json:"event"`
		} `json:"splitCustomer"`
	}
	const split = `mutation($s: ID!, $m: ID!) { splitCustomer(input: {customerId: $s, mergedId: $m}) { changed customers { id } event { action } } }`
	e.mustQuery(t, split, map[string]any{"s": a, "m": b}, &sp)
	if !sp.S.Changed || len(sp.S.Customers) != 2 || sp.S.Customers[1].ID != b || sp.S.Event == nil || sp.S.Event.Action != "SPLIT" {
		t.Fatalf("split = %+v", sp.S)
	}
	afterA, afterB := e.identities(t, a), e.identities(t, b)
	if !slices.Equal(valuesOf(afterA), valuesOf(beforeA)) || !slices.Equal(valuesOf(afterB), valuesOf(beforeB)) {
		t.Errorf("split did not restore both:\n a %v\n want %v\n b %v\n want %v", valuesOf(afterA), valuesOf(beforeA), valuesOf(afterB), valuesOf(beforeB))
	}
	e.mustQuery(t, split, map[string]any{"s": a, "m": b}, &sp)
	if sp.S.Changed {
		t.Errorf("split again changed something")
	}
	if x := e.explain(t, a, b); x.SameCustomer || x.Verdict != "SPLIT" || len(x.Events) != 2 {
		t.Fatalf("after split: %+v", x)
	}

	var hist struct {
		C struct {
			H struct {
				Edges []struct {
					Node struct{ Action, Actor string }
				}
				PageInfo struct {
					HasNextPage bool    `json:"hasNextPage"`
					EndCursor   *string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"identityHistory"`
		} `json:"customer"`
	}
	e.mustQuery(t, `query($id: ID!) { customer(id: $id) { identityHistory(first: 1) { edges { node { action actor } } pageInfo { hasNextPage endCursor } } } }`,
		map[string]any{"id": b}, &hist)
	if len(hist.C.H.Edges) != 1 || hist.C.H.Edges[0].Node.Action != "SPLIT" || !hist.C.H.PageInfo.HasNextPage {
		t.Fatalf("history page 1 = %+v", hist.C.H)
	}
	e.mustQuery(t, `query($id: ID!, $after: String) { customer(id: $id) { identityHistory(first: 5, after: $after) { edges { node { action actor } } pageInfo { hasNextPage endCursor } } } }`,
		map[string]any{"id": b, "after": *hist.C.H.PageInfo.EndCursor}, &hist)
	if len(hist.C.H.Edges) != 1 || hist.C.H.Edges[0].Node.Action != "MERGE" || hist.C.H.PageInfo.HasNextPage {
		t.Fatalf("history page 2 = %+v", hist.C.H)
	}
}

func TestLinkAndUnlinkByHand(t *testing.T) {
	e := boot(t)
	pop := e.demo.Simulators.Population()
	crm := pop.Members(population.CRM)
	a, b := e.customerOf(t, population.CRM, crm[5].Key(population.CRM)), e.customerOf(t, population.CRM, crm[6].Key(population.CRM))
	const link = `mutation($c: ID!, $k: IdentifierKind!, $v: String!) { linkIdentity(input: {customerId: $c, identifier: {kind: $k, value: $v}}) {
		changed customer { id identities { kind value rule } } } }`
	const unlink = `mutation($c: ID!, $k: IdentifierKind!, $v: String!) { unlinkIdentity(input: {customerId: $c, identifier: {kind: $k, value: $v}}) { changed } }`
	tests := []struct {
		name     string
		q        string
		customer string
		kind     string
		value    string
		code     string
	}{
		{"link a new card", link, a, "LOYALTY_CARD", "lc 9999-0001", ""},
		{"link it again", link, a, "LOYALTY_CARD", "LC99990001", ""},
		{"owned by another", link, b, "LOYALTY_CARD", "LC-9999-0001", "IDENTITY_CONFLICT"},
		{"blocked value", link, a, "EMAIL", "Info@Shop.example", "IDENTITY_BLOCKED"},
		{"unparsable phone", link, a, "PHONE", "call me maybe", "BAD_USER_INPUT"},
		{"unknown customer", link, "cus_0000000000000000", "LOYALTY_CARD", "LC99990002", "NOT_FOUND"},
		{"unlink", unlink, a, "LOYALTY_CARD", "LC99990001", ""},
		{"unlink what is not linked", unlink, b, "LOYALTY_CARD", "LC99990003", "BAD_USER_INPUT"},
	}
	for _, tc := range tests {
		r := e.query(t, tc.q, map[string]any{"c": tc.customer, "k": tc.kind, "v": tc.value}, nil)
		var code any
		if len(r.Errors) > 0 {
			code = r.Errors[0].Extensions["code"]
			if strings.Contains(r.Errors[0].Message, tc.value) {
				t.Errorf("%s: the error echoes the value: %s", tc.name, r.Errors[0].Message)
			}
		}
		if (tc.code == "" && len(r.Errors) > 0) || (tc.code != "" && code != tc.code) {
			t.Errorf("%s: errors %+v, want code %q", tc.name, r.Errors, tc.code)
		}
	}
	var who struct {
		C *struct{ ID string } `json:"customerByIdentifier"`
	}
	e.mustQuery(t, `{ customerByIdentifier(kind: LOYALTY_CARD, value: "LC99990001") { id } }`, nil, &who)
	if who.C != nil {
		t.Errorf("an unlinked card still resolves to %s", who.C.ID)
	}
	// The linker does not link it back.
	if err := e.gw.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range e.identities(t, a).Identities {
		if id.Value == "LC99990001" {
			t.Errorf("the sync linked the unlinked card back")
		}
	}
}
