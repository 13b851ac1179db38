package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/harmonyhq/harmony/docs/queries"
	"github.com/harmonyhq/harmony/graph"
)

// executableSchema is the real schema with the gateway's complexity
// functions.
func executableSchema() graphql.ExecutableSchema {
	cfg := graph.Config{}
	setComplexity(&cfg.Complexity)
	return graph.NewExecutableSchema(cfg)
}

// loadOperation parses and validates query, and coerces vars (JSON) as
// gqlgen does.
func loadOperation(t testing.TB, es graphql.ExecutableSchema, query, vars string) (*ast.QueryDocument, *ast.OperationDefinition, map[string]any) {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), query, nil) // nil: the default rules
	if errs != nil {
		t.Fatalf("invalid query: %v", errs)
	}
	op := doc.Operations[0]
	raw := map[string]any{}
	if vars != "" {
		if err := json.Unmarshal([]byte(vars), &raw); err != nil {
			t.Fatal(err)
		}
	}
	coerced, err := validator.VariableValues(es.Schema(), op, raw)
	if err != nil {
		t.Fatalf("variables: %v", err)
	}
	return doc, op, coerced
}

// TestComplexityMatchesGqlgen: below the limit, the bounded walk gives
// exactly gqlgen's complexity.Calculate, on the example operations of
// docs/queries and on a table of shapes (lists with and without first,
// fragments, inline fragments, interfaces, introspection, directives).
func TestComplexityMatchesGqlgen(t *testing.T) {
	es := executableSchema()
	type operation struct{ name, query, vars string }
	var ops []operation
	for _, q := range queries.All() {
		ops = append(ops, operation{"docs/queries/" + q.Name, q.Query, q.Variables})
	}
	ops = append(ops, []operation{
		{"flat", `{ sources { name kind capabilities } }`, ""},
		{"lists with first", `{ customers(first: 7) { edges { node { id orders(first: 3) { id items { name } } interactions(first: 4) { id } } } } }`, ""},
		{"lists without first", `{ customers { edges { node { timeline { edges { node { __typename } } } conversations { __typename } } } } }`, ""},
		{"first from a variable", `query Q($n: Int) { customers(first: $n) { edges { node { id } } } }`, `{"n": 42}`},
		{"first of zero counts one", `{ customers(first: 0) { edges { node { id } } } }`, ""},
		{"named fragments spread several times", `{ a: sources { ...S ...S } b: sources { ...S } } fragment S on Source { name ...K } fragment K on Source { kind }`, ""},
		{"fragments on the query type", `{ ...Q ...Q } fragment Q on Query { sources { name } customers(first: 2) { edges { node { ...C } } } } fragment C on Customer { id orders { id } }`, ""},
		{"inline fragments and directives", `query($yes: Boolean!) { sources { ... on Source { name @include(if: $yes) } ... @skip(if: true) { kind } } }`, `{"yes": true}`},
		{"interface field", `{ node(id: "x") { id ... on Customer { orders(first: 2) { id } } } }`, ""},
		{"introspection", `{ __schema { types { name fields { name } } } __type(name: "Customer") { name fields { name type { name } } } }`, ""},
		{"typename", `{ __typename sources { __typename } }`, ""},
		{"segment metrics", `{ segments { metrics(maxMembers: 50) { __typename } } }`, ""},
	}...)
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			_, op, vars := loadOperation(t, es, o.query, o.vars)
			want := complexity.Calculate(t.Context(), es, op, vars)
			got, steps := operationCost(t.Context(), es, op, vars, math.MaxInt)
			if got != want {
				t.Errorf("cost = %d, gqlgen's = %d", got, want)
			}
			if steps == 0 {
				t.Error("no step counted")
			}
			// With the cost as the limit, nothing stops early either.
			if at, _ := operationCost(t.Context(), es, op, vars, want); at != want {
				t.Errorf("cost with limit %d = %d", want, at)
			}
			if want > 1 {
				if over, _ := operationCost(t.Context(), es, op, vars, want-1); over <= want-1 {
					t.Errorf("cost with limit %d = %d, want above the limit", want-1, over)
				}
			}
		})
	}
}

// doublingQuery is the hostile document of issue 15: fragment Fi spreads
// F(i-1) twice, so the operation expands to 2^n copies of F0.
func doublingQuery(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ sources { ...F%d } }\nfragment F0 on Source { name }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Source { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// selections counts the selections written in a document: a bound on the
// steps of the bounded walk.
func selections(doc *ast.QueryDocument) int {
	var count func(ast.SelectionSet) int
	count = func(set ast.SelectionSet) int {
		n := len(set)
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				n += count(s.SelectionSet)
			case *ast.InlineFragment:
				n += count(s.SelectionSet)
			}
		}
		return n
	}
	total := 0
	for _, op := range doc.Operations {
		total += count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		total += count(f.SelectionSet)
	}
	return total
}

// TestComplexityWorkIsBounded: the doubling document (2^39 fields
// expanded, days of gqlgen's walk) is measured in fewer steps than it has
// selections, and refused; its exact cost is known below the limit.
func TestComplexityWorkIsBounded(t *testing.T) {
	es := executableSchema()
	for _, n := range []int{10, 39, 60} {
		doc, op, vars := loadOperation(t, es, doublingQuery(n), "")
		cost, steps := operationCost(t.Context(), es, op, vars, math.MaxInt)
		want := safeAdd(1, 1<<min(n, 62)) // sources costs 1 plus 2^n names
		if n > 62 {
			want = maxInt
		}
		if cost != want {
			t.Errorf("n=%d: cost %d, want %d", n, cost, want)
		}
		if max := selections(doc); steps > max {
			t.Errorf("n=%d: %d steps for a document of %d selections", n, steps, max)
		}
		if want <= 50_000 {
			continue
		}
		cost, steps = operationCost(t.Context(), es, op, vars, 50_000)
		if cost <= 50_000 {
			t.Errorf("n=%d: cost %d with the limit, want above it", n, cost)
		}
		// Down the n levels, then about two steps a level up until the
		// sum passes 50,000 < 2^16.
		if steps > n+2*17 {
			t.Errorf("n=%d: %d steps to pass the limit", n, steps)
		}
	}
}

// TestComplexityFunctionsSaturate: every per-field function costs a field
// at least its children and never wraps around. Before, 1+first·child
// overflowed: with first = 2^31-1 and a child crafted as its inverse
// modulo 2^64 (fragments make any child cost), a huge list cost 2.
func TestComplexityFunctionsSaturate(t *testing.T) {
	var c graph.ComplexityRoot
	setComplexity(&c)
	first, inv := crafted()
	one := 1
	funcs := map[string]func(child int, first *int) int{
		"Query.customers": func(ch int, f *int) int { return c.Query.Customers(ch, f, nil, nil, nil) },
		"Customer.orders": c.Customer.Orders, "Customer.interactions": c.Customer.Interactions,
		"Customer.timeline":      func(ch int, f *int) int { return c.Customer.Timeline(ch, f, nil, nil) },
		"Customer.conversations": func(ch int, f *int) int { return c.Customer.Conversations(ch, f, nil) },
		"Segment.metrics":        func(ch int, f *int) int { return c.Segment.Metrics(ch, f, nil) },
	}
	for name, fn := range funcs {
		for _, child := range []int{0, 1, 7, 1 << 40, int(inv), maxInt - 1, maxInt} { //nolint:gosec // G115: crafted checks inv < 2^63
			for _, f := range []*int{nil, &one, &first} {
				got := fn(child, f)
				if got < 1 || got < child {
					t.Errorf("%s(child %d, first %v) = %d: less than its children", name, child, deref(f), got)
				}
			}
		}
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// crafted returns the largest odd first (an Int) whose inverse modulo 2^64
// is a positive int, and that inverse.
func crafted() (int, uint64) {
	for f := uint64(math.MaxInt32); ; f -= 2 {
		if inv := inverse(f); inv < 1<<63 {
			return int(f), inv
		}
	}
}

// inverse is the multiplicative inverse of odd x modulo 2^64.
func inverse(x uint64) uint64 {
	y := x
	for range 6 {
		y *= 2 - x*y
	}
	return y
}

// TestComplexityOverflowCannotBypass crafts, with fragments, the child
// cost whose product with first wraps to 1 (see
// TestComplexityFunctionsSaturate) and checks the operation is refused.
func TestComplexityOverflowCannotBypass(t *testing.T) {
	es := executableSchema()
	first, target := crafted()
	// customers(first) { ...X } costs 1 + first·cost(X); cost(X) must be
	// inverse(first), written in binary with fragments Ci of cost 2^i on
	// CustomerConnection. X spreads the Ci of its one bits.
	var b strings.Builder
	fmt.Fprintf(&b, "query Attack { customers(first: %d) { ", first)
	for i := range 63 {
		if target&(1<<i) != 0 {
			fmt.Fprintf(&b, "...C%d ", i)
		}
	}
	b.WriteString("} }\nfragment C0 on CustomerConnection { totalCount }\n")
	for i := 1; i < 63; i++ {
		fmt.Fprintf(&b, "fragment C%d on CustomerConnection { ...C%d ...C%d }\n", i, i-1, i-1)
	}
	// Validation wants every fragment used: a second operation does.
	b.WriteString("query Unused { customers(first: 1) @skip(if: true) { ")
	for i := range 63 {
		fmt.Fprintf(&b, "...C%d ", i)
	}
	b.WriteString("} }\n")
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), b.String(), nil)
	if errs != nil {
		t.Fatalf("invalid query: %v", errs)
	}
	op := doc.Operations.ForName("Attack")
	// With the limit, the walk stops once the children pass it; without
	// one, it multiplies, and the product must not wrap around.
	for _, limit := range []int{50_000, math.MaxInt} {
		if cost, _ := operationCost(context.Background(), es, op, nil, limit); cost <= 50_000 {
			t.Errorf("limit %d: cost = %d: a list of 2^31 items of cost 2^62 passes the limit", limit, cost)
		}
	}
}

// Plain fields (no argument, no complexity function) are costed without
// asking the schema; the others are not plain. The costs themselves are
// checked against gqlgen's above.
func TestPlainFields(t *testing.T) {
	es := executableSchema()
	plain := plainFields(t.Context(), es)
	field := func(typ, name string) *ast.FieldDefinition {
		f := es.Schema().Types[typ].Fields.ForName(name)
		if f == nil {
			t.Fatalf("no field %s.%s", typ, name)
		}
		return f
	}
	for _, tc := range []struct {
		typ, field string
		plain      bool
	}{
		{"Order", "id", true},
		{"Customer", "profile", true},
		{"Customer", "orders", false},          // arguments and a function
		{"Query", "customers", false},          // arguments and a function
		{"Segment", "metrics", false},          // arguments and a function
		{"Customer", "identityHistory", false}, // arguments
	} {
		if got := plain[field(tc.typ, tc.field)]; got != tc.plain {
			t.Errorf("%s.%s: plain = %v, want %v", tc.typ, tc.field, got, tc.plain)
		}
	}
	if len(plain) < 100 {
		t.Errorf("only %d plain fields", len(plain))
	}
}
