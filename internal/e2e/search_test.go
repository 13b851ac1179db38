package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/search"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// indexed is one customer as the ground truth sees it: its native keys,
// resolved to the simulated people and their records.
type indexed struct {
	id      string
	records []sysRecord
}

type sysRecord struct {
	system string
	person *population.Person
	rec    population.Record
}

func (c indexed) systems() []string {
	var out []string
	for _, r := range c.records {
		if !slices.Contains(out, r.system) {
			out = append(out, r.system)
		}
	}
	return out
}

// namedLike: a given or family name, one of its words, or the name without
// separators starts with prefix (folded). The helpdesk keeps one full name.
func (c indexed) namedLike(prefix string) bool {
	prefix = search.Fold(prefix)
	starts := func(name string) bool {
		full := search.Fold(name)
		words := strings.FieldsFunc(full, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if full != "" && strings.HasPrefix(full, prefix) || strings.HasPrefix(strings.Join(words, ""), prefix) {
			return true
		}
		return slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, prefix) })
	}
	for _, r := range c.records {
		names := []string{r.rec.GivenName, r.rec.FamilyName}
		if r.system == population.Helpdesk {
			names = []string{strings.TrimSpace(r.rec.GivenName + " " + r.rec.FamilyName)}
		}
		if slices.ContainsFunc(names, starts) {
			return true
		}
	}
	return false
}

// orders returns the customer's order count, last order and spend in cents
// (refunded orders counted, not spent), from the shop's orders and the
// point of sale's sales of its records.
func (c indexed) orders() (n int, last time.Time, spentCents int64) {
	for _, r := range c.records {
		switch r.system {
		case population.Shop:
			for _, o := range r.person.Orders {
				n++
				if o.CreatedAt.After(last) {
					last = o.CreatedAt
				}
				if o.FinancialStatus != "refunded" {
					spentCents += o.TotalCents
				}
			}
		case population.POS:
			for _, s := range r.person.Sales {
				n++
				if s.SoldAt.After(last) {
					last = s.SoldAt
				}
				if s.Status != "refunded" {
					spentCents += s.TotalCents
				}
			}
		}
	}
	return n, last, spentCents
}

// groundTruth lists every active customer with its records, reading the
// identity graph through the API and the records from the population.
func groundTruth(t *testing.T, e *env) []indexed {
	t.Helper()
	pop := e.demo.Simulators.Population()
	var out []indexed
	after := any(nil)
	for {
		var page struct {
			Customers struct {
				Edges []struct {
					Node struct {
						ID         string `json:"id"`
						Identities []struct {
							Kind   string  `json:"kind"`
							System *string `json:"system"`
							Value  string  `json:"value"`
						} `json:"identities"`
					} `json:"node"`
				} `json:"edges"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"customers"`
		}
		e.mustQuery(t, `query ($after: String) {
		  customers(first: 100, after: $after) {
		    edges { node { id identities { kind system value } } }
		    pageInfo { hasNextPage endCursor }
		  }
		}`, map[string]any{"after": after}, &page)
		for _, edge := range page.Customers.Edges {
			c := indexed{id: edge.Node.ID}
			for _, idn := range edge.Node.Identities {
				if idn.Kind != "EXTERNAL_ID" || idn.System == nil {
					continue
				}
				p, ok := pop.ByKey(*idn.System, idn.Value)
				if !ok {
					t.Fatalf("no simulated person has %s key %s", *idn.System, idn.Value)
				}
				c.records = append(c.records, sysRecord{system: *idn.System, person: p, rec: p.Records[*idn.System]})
			}
			out = append(out, c)
		}
		if !page.Customers.PageInfo.HasNextPage {
			return out
		}
		after = page.Customers.PageInfo.EndCursor
	}
}

const searchQuery = `
query Search($first: Int, $after: String, $filter: CustomerFilter, $segment: ID) {
  customers(first: $first, after: $after, filter: $filter, segment: $segment) {
    totalCount
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}`

// searchAll pages through a filtered list and returns its IDs and the
// totalCount of its first page.
func searchAll(t *testing.T, e *env, vars map[string]any, first int) ([]string, int) {
	t.Helper()
	var ids []string
	total := -1
	var after any
	for range 1000 {
		v := map[string]any{"first": first, "after": after}
		for k, x := range vars {
			v[k] = x
		}
		var out struct {
			Customers struct {
				TotalCount int `json:"totalCount"`
				Edges      []struct {
					Node struct{ ID string } `json:"node"`
				} `json:"edges"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"customers"`
		}
		e.mustQuery(t, searchQuery, v, &out)
		if total < 0 {
			total = out.Customers.TotalCount
		}
		for _, edge := range out.Customers.Edges {
			ids = append(ids, edge.Node.ID)
		}
		if !out.Customers.PageInfo.HasNextPage {
			return ids, total
		}
		after = out.Customers.PageInfo.EndCursor
	}
	t.Fatal("the list does not end")
	return nil, 0
}

// reindex rebuilds the index, so that the ground truth read from the
// identity graph now is the one indexed (other tests may link or merge).
func reindex(t *testing.T, e *env) {
	t.Helper()
	if _, err := e.gw.Indexer.IndexAll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSearchMatchesThePopulation(t *testing.T) {
	e := boot(t)
	reindex(t, e)
	all := groundTruth(t, e)
	since := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	// A French number written nationally, with spaces, finds the customer
	// customerByIdentifier finds.
	var phone string
	for _, p := range e.demo.Simulators.Population().InAll() {
		if strings.HasPrefix(p.Phone, "+33") {
			phone = p.Phone
			break
		}
	}
	if phone == "" {
		t.Fatal("nobody has a French phone number")
	}
	spaced := "0" + phone[3:4] + " " + phone[4:6] + " " + phone[6:]
	var owner struct {
		CustomerByIdentifier *struct{ ID string } `json:"customerByIdentifier"`
	}
	e.mustQuery(t, `query ($v: String!) { customerByIdentifier(kind: PHONE, value: $v) { id } }`, map[string]any{"v": phone}, &owner)
	if owner.CustomerByIdentifier == nil {
		t.Fatal("nobody owns the phone number")
	}
	tests := []struct {
		name    string
		filter  map[string]any
		first   int
		match   func(indexed) bool
		atLeast int // the case is only meaningful with this many matches
	}{
		{"name prefix", map[string]any{"namePrefix": "mar"}, 100, func(c indexed) bool { return c.namedLike("mar") }, 5},
		{"name prefix, small pages", map[string]any{"namePrefix": "mar"}, 7, func(c indexed) bool { return c.namedLike("mar") }, 8},
		{"name prefix in capitals", map[string]any{"namePrefix": "LE"}, 100, func(c indexed) bool { return c.namedLike("le") }, 3},
		{"name prefix without its accent", map[string]any{"namePrefix": "mu"}, 100, func(c indexed) bool { return c.namedLike("mu") }, 1},
		{"name prefix with an accent", map[string]any{"namePrefix": "Mül"}, 100, func(c indexed) bool { return c.namedLike("mul") }, 1},
		{"in systems", map[string]any{"inSystems": []string{"crm", "pos"}}, 100, func(c indexed) bool {
			return slices.Contains(c.systems(), "crm") && slices.Contains(c.systems(), "pos")
		}, 20},
		{"in three systems", map[string]any{"inSystems": []string{"helpdesk", "calls", "mailing"}}, 100, func(c indexed) bool {
			s := c.systems()
			return slices.Contains(s, "helpdesk") && slices.Contains(s, "calls") && slices.Contains(s, "mailing")
		}, 10},
		{"min orders", map[string]any{"minOrders": 5}, 100, func(c indexed) bool { n, _, _ := c.orders(); return n >= 5 }, 10},
		{"ordered since", map[string]any{"orderedSince": since.Format(time.RFC3339)}, 100, func(c indexed) bool {
			_, last, _ := c.orders()
			return !last.Before(since)
		}, 10},
		{"min spend", map[string]any{"minSpend": map[string]any{"amount": "500.00", "currency": "EUR"}}, 100, func(c indexed) bool {
			_, _, cents := c.orders()
			return cents >= 50000
		}, 10},
		{"combined", map[string]any{"namePrefix": "ma", "inSystems": []string{"shop"}, "minOrders": 1}, 100, func(c indexed) bool {
			n, _, _ := c.orders()
			return c.namedLike("ma") && slices.Contains(c.systems(), "shop") && n >= 1
		}, 2},
		{"identifier", map[string]any{"identifier": map[string]any{"kind": "PHONE", "value": spaced}}, 100, func(c indexed) bool {
			return c.id == owner.CustomerByIdentifier.ID
		}, 1},
		{"identifier nobody owns", map[string]any{"identifier": map[string]any{"kind": "EMAIL", "value": "nobody@nowhere.example"}}, 100,
			func(indexed) bool { return false }, 0},
		// Every customer: the 300 people less those the privacy tests
		// erased (their records in systems without erasure are not linked
		// again).
		{"no condition", map[string]any{}, 100, func(indexed) bool { return true }, 295},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, c := range all {
				if tt.match(c) {
					want = append(want, c.id)
				}
			}
			if len(want) < tt.atLeast {
				t.Fatalf("only %d customers match in the population; the case needs %d", len(want), tt.atLeast)
			}
			got, total := searchAll(t, e, map[string]any{"filter": tt.filter}, tt.first)
			if !slices.Equal(got, want) {
				t.Errorf("got %d customers, want %d\nmissing: %v\nextra: %v", len(got), len(want), minus(want, got), minus(got, want))
			}
			if total != len(want) {
				t.Errorf("totalCount = %d, want %d", total, len(want))
			}
		})
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func TestSegmentsThroughTheAPI(t *testing.T) {
	e := boot(t)
	const save = `
	mutation ($name: String!, $filter: CustomerFilter!) {
	  saveSegment(name: $name, filter: $filter) {
	    id name count updatedAt
	    filter { identifier { kind system value } namePrefix inSystems orderedSince minOrders minSpend { amount currency } }
	  }
	}`
	type segment struct {
		ID, Name, UpdatedAt string
		Count               int
		Filter              struct {
			Identifier *struct {
				Kind   string
				System *string
				Value  string
			}
			NamePrefix   *string
			InSystems    []string
			OrderedSince *string
			MinOrders    *int
			MinSpend     *struct{ Amount, Currency string }
		}
	}
	vip := map[string]any{"namePrefix": "Már", "inSystems": []string{"shop", "crm"}, "minOrders": 2,
		"minSpend": map[string]any{"amount": "100", "currency": "eur"}, "orderedSince": "2025-01-01T00:00:00+02:00"}
	var saved struct{ SaveSegment segment }
	e.mustQuery(t, save, map[string]any{"name": "VIP Mar", "filter": vip}, &saved)
	seg := saved.SaveSegment
	t.Cleanup(func() { _, _ = e.gw.Store.DeleteSegment(context.Background(), seg.ID) })
	f := seg.Filter
	if !strings.HasPrefix(seg.ID, "seg_") || seg.Name != "VIP Mar" || f.NamePrefix == nil || *f.NamePrefix != "mar" ||
		!slices.Equal(f.InSystems, []string{"crm", "shop"}) || f.MinOrders == nil || *f.MinOrders != 2 ||
		f.MinSpend == nil || *f.MinSpend != (struct{ Amount, Currency string }{"100.00", "EUR"}) ||
		f.OrderedSince == nil || *f.OrderedSince != "2024-12-31T22:00:00Z" || f.Identifier != nil {
		t.Errorf("saved segment = %+v", seg)
	}
	// The segment's customers are the filter's, and its count theirs.
	bySegment, total := searchAll(t, e, map[string]any{"segment": seg.ID}, 100)
	byFilter, _ := searchAll(t, e, map[string]any{"filter": vip}, 100)
	if len(byFilter) == 0 || !slices.Equal(bySegment, byFilter) || total != len(byFilter) || seg.Count != len(byFilter) {
		t.Errorf("segment lists %d (totalCount %d, count %d), the filter %d", len(bySegment), total, seg.Count, len(byFilter))
	}

	// Saving again is idempotent; saving another filter replaces it.
	var again struct{ SaveSegment segment }
	e.mustQuery(t, save, map[string]any{"name": "VIP Mar", "filter": vip}, &again)
	if again.SaveSegment.ID != seg.ID || again.SaveSegment.UpdatedAt != seg.UpdatedAt {
		t.Errorf("saved again = %+v, want the same segment unchanged", again.SaveSegment)
	}
	var other struct{ SaveSegment segment }
	e.mustQuery(t, save, map[string]any{"name": "Whales", "filter": map[string]any{"minSpend": map[string]any{"amount": "1000", "currency": "EUR"}}}, &other)
	t.Cleanup(func() { _, _ = e.gw.Store.DeleteSegment(context.Background(), other.SaveSegment.ID) })
	var list struct {
		Segments []segment
	}
	e.mustQuery(t, `{ segments { id name count } }`, nil, &list)
	// Other tests (the example operations) may have saved segments of their
	// own in the shared demo: look at this test's, and at the order.
	var names, all []string
	for _, s := range list.Segments {
		all = append(all, s.Name)
		if s.Name == "VIP Mar" || s.Name == "Whales" {
			names = append(names, s.Name)
		}
		if s.ID == seg.ID && s.Count != seg.Count {
			t.Errorf("listed count %d, saved count %d", s.Count, seg.Count)
		}
	}
	if !slices.Equal(names, []string{"VIP Mar", "Whales"}) || !slices.IsSorted(all) {
		t.Errorf("segments = %v", all)
	}

	// Errors: both filter and segment, an unknown segment.
	for _, tc := range []struct {
		name string
		vars map[string]any
	}{
		{"filter and segment", map[string]any{"segment": seg.ID, "filter": vip}},
		{"unknown segment", map[string]any{"segment": "seg_000000000000000000000000"}},
	} {
		r := e.query(t, searchQuery, tc.vars, nil)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%s: errors = %+v, want one BAD_USER_INPUT", tc.name, r.Errors)
		}
	}

	// Delete: true once, then false; the segment is gone.
	var del struct{ DeleteSegment bool }
	e.mustQuery(t, `mutation ($id: ID!) { deleteSegment(id: $id) }`, map[string]any{"id": seg.ID}, &del)
	if !del.DeleteSegment {
		t.Error("deleteSegment = false for an existing segment")
	}
	e.mustQuery(t, `mutation ($id: ID!) { deleteSegment(id: $id) }`, map[string]any{"id": seg.ID}, &del)
	if del.DeleteSegment {
		t.Error("deleteSegment = true for a deleted segment")
	}
	var one struct{ Segment *segment }
	e.mustQuery(t, `query ($id: ID!) { segment(id: $id) { id } }`, map[string]any{"id": seg.ID}, &one)
	if one.Segment != nil {
		t.Errorf("deleted segment = %+v", one.Segment)
	}
}

func TestSearchRejectsBadInput(t *testing.T) {
	e := boot(t)
	tests := []struct {
		name   string
		filter map[string]any
		secret string // must not be echoed
	}{
		{"name prefix too short", map[string]any{"namePrefix": "Z"}, "Z"},
		{"name prefix too long", map[string]any{"namePrefix": strings.Repeat("Secretname", 5)}, "Secretname"},
		{"unknown system", map[string]any{"inSystems": []string{"crm", "Sekret-system"}}, "Sekret"},
		{"no system", map[string]any{"inSystems": []string{}}, ""},
		{"negative order count", map[string]any{"minOrders": -1}, ""},
		{"bad currency", map[string]any{"minSpend": map[string]any{"amount": "10", "currency": "EU$"}}, "EU$"},
		{"bad amount", map[string]any{"minSpend": map[string]any{"amount": "12,3456", "currency": "EUR"}}, "12,3456"},
		{"negative amount", map[string]any{"minSpend": map[string]any{"amount": "-5", "currency": "EUR"}}, "-5"},
		{"bad e-mail", map[string]any{"identifier": map[string]any{"kind": "EMAIL", "value": "secret-not-an-email"}}, "secret"},
		{"external id without system", map[string]any{"identifier": map[string]any{"kind": "EXTERNAL_ID", "value": "42"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, op := range []struct{ q string }{
				{searchQuery},
				{`mutation ($filter: CustomerFilter!) { saveSegment(name: "x", filter: $filter) { id } }`},
			} {
				r := e.query(t, op.q, map[string]any{"filter": tt.filter}, nil)
				if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
					t.Fatalf("errors = %+v, want one BAD_USER_INPUT", r.Errors)
				}
				if tt.secret != "" && strings.Contains(r.Errors[0].Message, tt.secret) {
					t.Errorf("message %q echoes the input", r.Errors[0].Message)
				}
			}
		})
	}
	for _, name := range []string{"", "   ", strings.Repeat("n", 81), "a\x00b"} {
		r := e.query(t, `mutation ($name: String!) { saveSegment(name: $name, filter: {}) { id } }`, map[string]any{"name": name}, nil)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("name %q: errors = %+v, want one BAD_USER_INPUT", name, r.Errors)
		}
	}
}

// TestIndexingCostsOneCallPerSourceAndCapabilityPerPage re-indexes 100
// customers in pages of 25 (fewer keys than any connector's batch limit, so
// the guard never splits a call) and counts the calls at the guard and at
// the simulators.
func TestIndexingCostsOneCallPerSourceAndCapabilityPerPage(t *testing.T) {
	e := boot(t)
	const customers, pageSize = 100, 25
	const pages = customers / pageSize
	var list struct {
		Customers struct {
			Edges []struct {
				Node struct{ ID string } `json:"node"`
			} `json:"edges"`
		} `json:"customers"`
	}
	e.mustQuery(t, `query ($n: Int!) { customers(first: $n) { edges { node { id } } } }`, map[string]any{"n": customers}, &list)
	var ids []string
	for _, edge := range list.Customers.Edges {
		ids = append(ids, edge.Node.ID)
	}
	if len(ids) != customers {
		t.Fatalf("%d customers listed, want %d", len(ids), customers)
	}
	ix := *e.gw.Indexer
	ix.PageSize = pageSize
	before := guardCounts(t, e)
	e.demo.Simulators.Reset()
	start := time.Now()
	if err := ix.Refresh(context.Background(), ids); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	after := guardCounts(t, e)
	calls := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			calls[k] = d
		}
	}
	want := map[string]float64{}
	for _, src := range e.gw.Sources.All() {
		for _, c := range []string{"profiles", "orders"} {
			if src.Has(connectors.Capability(c)) {
				// guardCounts joins the labels in name order: capability, connector.
				want[c+"/"+src.Name()] = pages
			}
		}
	}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("guard calls for %d customers in %d pages = %v, want %v", customers, pages, calls, want)
	}
	// The simulators agree: data routes once per page (the point of sale
	// runs two statements, profiles and orders), no interactions.
	for sys, routes := range map[string]map[string]int{
		"crm":      {"contacts.batch_read": 1},
		"shop":     {"customers": 1, "orders": 1},
		"pos":      {"query": 2},
		"helpdesk": {"users.show_many": 1, "conversations": 0},
		"mailing":  {"members.get": 1, "activity": 0},
		"calls":    {"contacts.get": 1, "calls": 0},
	} {
		for route, perPage := range routes {
			if got := e.demo.Simulators.Get(sys).Count(route); got != int64(perPage*pages) {
				t.Errorf("%s %s served %d calls, want %d", sys, route, got, perPage*pages)
			}
		}
	}
	t.Logf("indexed %d customers in %d pages in %v; calls %v", customers, pages, elapsed, calls)
}
