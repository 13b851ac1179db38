package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/resolvers"
)

// fragmentDocument builds, from program, a document heavy in named
// fragments: up to 48 fragments on Source (S) and on Query (Q), each of a
// few selections drawn from fields, aliases, inline fragments, directives
// and spreads of earlier fragments (any number of times, so that chains
// double, triple... what they expand to). The operation spreads every
// fragment, so that none is unused.
func fragmentDocument(program []byte) string {
	next := func() int {
		if len(program) == 0 {
			return 0
		}
		b := int(program[0])
		program = program[1:]
		return b
	}
	n := 1 + next()%48
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "fragment S%d on Source {", i)
		items := 1 + next()%6
		for range items {
			op := next()
			switch j := op / 8; {
			case i > 0 && op%8 == 5:
				fmt.Fprintf(&b, " ...S%d", j%i)
			case i > 0 && op%8 == 6:
				fmt.Fprintf(&b, " ... on Source { ...S%d }", j%i)
			case i > 0 && op%8 == 7:
				fmt.Fprintf(&b, " ...S%d @include(if: true)", j%i)
			default:
				b.WriteString([]string{" name", " kind", " capabilities", " __typename", fmt.Sprintf(" a%d: name", j%4)}[min(op%8, 4)])
			}
		}
		b.WriteString(" }\n")
	}
	for i := range n {
		fmt.Fprintf(&b, "fragment Q%d on Query {", i)
		items := 1 + next()%4
		for range items {
			op := next()
			switch j := op / 4; {
			case i > 0 && op%4 == 0:
				fmt.Fprintf(&b, " ...Q%d", j%i)
			case op%4 == 1:
				fmt.Fprintf(&b, " s%d: sources { ...S%d }", j%3, j%n)
			case op%4 == 2:
				fmt.Fprintf(&b, " sources { ...S%d }", j%n)
			default:
				b.WriteString(" __typename")
			}
		}
		b.WriteString(" }\n")
	}
	b.WriteString("query Fuzz { sources {")
	for i := range n {
		fmt.Fprintf(&b, " ...S%d", i)
	}
	b.WriteString(" }")
	for i := range n {
		fmt.Fprintf(&b, " ...Q%d", i)
	}
	b.WriteString(" }\n")
	return b.String()
}

// doublingProgram is the program of the fragment bomb: Si spreads
// S(i-1) twice, 40 levels.
func doublingProgram() []byte {
	p := []byte{39}
	p = append(p, 0, 0) // S0 { name }
	for i := 1; i < 40; i++ {
		// Two spreads of S(i-1): op%8 == 5 and (op/8)%i == i-1.
		op := byte(((i-1)*8 + 5) % 256)
		if (int(op)/8)%i != i-1 {
			op = 5 // i > 32: any earlier fragment; the chain still nests
		}
		p = append(p, 1, op, op)
	}
	for range 40 {
		p = append(p, 0, 3) // Qi { __typename }
	}
	return p
}

type fuzzConn struct{}

func (fuzzConn) Close() error { return nil }

func (fuzzConn) Profiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	return make([]*connectors.Profile, len(keys)), nil
}

// refusals are the codes a fragment-heavy operation may be refused with.
var refusals = map[string]bool{
	codeComplexity: true, codeDepth: true, codeAliases: true, codeRootFields: true, codeTokens: true,
	"GRAPHQL_VALIDATION_FAILED": true, "GRAPHQL_PARSE_FAILED": true, codeTruncated: true,
}

// FuzzFragments checks that every cost computed before execution is
// bounded, whatever the fragments expand to: each generated document is
// answered (data, no error) or refused with a limit's or validation's code;
// the complexity walk takes at most one step per selection written in the
// document (work counted, not timed); and the whole request, parsing and
// validation included, comes back within a bound (30 s) that no document of
// at most max_tokens tokens comes near unless something expands it.
//
//	go test -run '^$' -fuzz '^FuzzFragments$' -fuzztime 30s ./internal/server
func FuzzFragments(f *testing.F) {
	f.Add(doublingProgram())
	f.Add([]byte{5, 3, 1, 2, 2, 13, 21, 3, 14, 14, 6, 0, 1, 1, 2, 1, 5, 9})
	f.Add([]byte{47, 5, 255, 254, 253, 252, 251, 250})
	src := sources.New("crm", "test", fuzzConn{}, sources.Options{}, nil, nil)
	set, err := sources.NewSet(src)
	if err != nil {
		f.Fatal(err)
	}
	h := New(Options{
		Config: config.Server{MaxBodyBytes: 1 << 20, MaxDepth: 8, MaxComplexity: 50_000,
			Playground: new(bool)},
		Resolvers: &resolvers.Resolver{Sources: set, Policy: identity.DefaultPolicy()},
		Loaders:   &loaders.Factory{Sources: set},
	})
	es := executableSchema()
	f.Fuzz(func(t *testing.T, program []byte) {
		query := fragmentDocument(program)
		if doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), query, nil); errs == nil {
			op := doc.Operations.ForName("Fuzz")
			if _, steps := operationCost(t.Context(), es, op, nil, 50_000); steps > selections(doc) {
				t.Fatalf("complexity took %d steps for %d selections", steps, selections(doc))
			}
			if _, steps := operationCost(t.Context(), es, op, nil, math.MaxInt); steps > selections(doc) {
				t.Fatalf("complexity without a limit took %d steps for %d selections", steps, selections(doc))
			}
		}

		body, _ := json.Marshal(map[string]any{"query": query})
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", strings.NewReader(string(body)))
		req.Host = "127.0.0.1"
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		if d := time.Since(start); d > 30*time.Second {
			t.Fatalf("answered in %s", d)
		}
		var answer struct {
			Data   json.RawMessage `json:"data"`
			Errors []struct {
				Extensions struct {
					Code string `json:"code"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatalf("status %d, not JSON: %.300s", rec.Code, rec.Body.Bytes())
		}
		if len(answer.Errors) == 0 {
			if len(answer.Data) == 0 || string(answer.Data) == "null" {
				t.Fatalf("neither data nor errors: %.300s", rec.Body.Bytes())
			}
			return
		}
		if len(answer.Errors) > maxErrors {
			t.Fatalf("%d errors", len(answer.Errors))
		}
		for _, e := range answer.Errors {
			if !refusals[e.Extensions.Code] {
				t.Fatalf("status %d, code %q: %.500s\nquery:\n%s", rec.Code, e.Extensions.Code, rec.Body.Bytes(), query)
			}
		}
	})
}
