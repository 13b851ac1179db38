package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/docs/queries"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/server"
)

// gqlBody is a POST body for query with variables.
func gqlBody(t *testing.T, query string, vars map[string]any) string {
	t.Helper()
	m := map[string]any{"query": query}
	if vars != nil {
		m["variables"] = vars
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// codes lists the extensions.code of every error of a GraphQL answer.
func codes(t *testing.T, body string) []string {
	t.Helper()
	var r struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("answer is not JSON: %v: %s", err, body)
	}
	var out []string
	for _, e := range r.Errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
	}
	return out
}

func repeat(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
		b.WriteByte(' ')
	}
	return b.String()
}

func TestOperationLimits(t *testing.T) {
	ts := newServer(t, func(c *config.Server) { c.MaxBodyBytes = 1 << 20 })
	const email = "victim@example.com"
	byEmail := `customerByIdentifier(kind: EMAIL, value: "` + email + `")`
	deep := strings.Repeat("a { ", 49) + "b" + strings.Repeat(" }", 49)
	tests := []struct {
		name     string
		query    string
		wantCode string // "" means no error at all
	}{
		{"a normal query passes", `query Q { sources { name kind } c: ` + byEmail + ` { id identities { kind } } }`, ""},
		{"aliases and fragments within the limits pass", `{ a: sources { ...S } b: sources { ...S } } fragment S on Source { n: name k: kind }`, ""},
		{"depth 50 of unknown fields", `{ ` + byEmail + ` { ` + deep + ` } }`, "DEPTH_LIMIT_EXCEEDED"},
		{"depth 50 in a fragment", `{ ...F } fragment F on Query { ` + byEmail + ` { ` + deep + ` } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"depth 7 of real fields", `{ customers { edges { node { timeline { edges { node { payload { ... on Order { items { name } } } } } } } } } }`, "DEPTH_LIMIT_EXCEEDED"},
		{"1,000 aliases", `{ ` + repeat(1000, func(i int) string { return fmt.Sprintf("a%d: __typename", i) }) + ` }`, "ALIAS_LIMIT_EXCEEDED"},
		{"aliases counted where their fragment is spread", `{ ...F x: sources { name } } fragment F on Query { ` +
			repeat(30, func(i int) string { return fmt.Sprintf("s%d: sources { name }", i) }) + ` }`, "ALIAS_LIMIT_EXCEEDED"},
		{"aliases in a fragment spread many times", `{ sources { ...S ...S ...S ...S } } fragment S on Source { ` +
			repeat(8, func(i int) string { return fmt.Sprintf("n%d: name", i) }) + ` }`, "ALIAS_LIMIT_EXCEEDED"},
		{"25 root fields", `{ ` + repeat(25, func(i int) string { return fmt.Sprintf("s%d: sources { name }", i) }) + ` }`, "ROOT_FIELD_LIMIT_EXCEEDED"},
		{"6,000 tokens", `query($v: [String] = [` + repeat(6000, func(int) string { return `"` + email + `"` }) + `]) { __typename }`, "TOKEN_LIMIT_EXCEEDED"},
		{"complexity", `{ customers(first: 100) { edges { node { orders(first: 100) { id } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := post(t, ts, gqlBody(t, tt.query, nil))
			if strings.Contains(got.body, email) {
				t.Fatalf("the answer echoes input: %s", got.body)
			}
			cs := codes(t, got.body)
			if tt.wantCode == "" {
				if got.status != http.StatusOK || len(cs) != 0 {
					t.Fatalf("got %d %s, want a clean answer", got.status, got.body)
				}
				return
			}
			if len(cs) == 0 || slices.ContainsFunc(cs, func(c string) bool { return c != tt.wantCode }) {
				t.Fatalf("got %d %s, want code %s", got.status, got.body, tt.wantCode)
			}
		})
	}
}

func TestLimitsAreConfigurable(t *testing.T) {
	ts := newServer(t, func(c *config.Server) { c.MaxAliases, c.MaxRootFields, c.MaxTokens = 2, 1, 100 })
	for _, tt := range []struct{ query, want string }{
		{`{ a: sources { n: name } }`, ""},
		{`{ a: sources { n: name k: kind } }`, "ALIAS_LIMIT_EXCEEDED"},
		{`{ sources { name } __typename }`, "ROOT_FIELD_LIMIT_EXCEEDED"},
		{`{ sources { ` + strings.Repeat("name ", 100) + `} }`, "TOKEN_LIMIT_EXCEEDED"},
	} {
		got := codes(t, post(t, ts, gqlBody(t, tt.query, nil)).body)
		if (tt.want == "" && len(got) > 0) || (tt.want != "" && (len(got) != 1 || got[0] != tt.want)) {
			t.Errorf("%s: codes %v, want %q", tt.query, got, tt.want)
		}
	}
}

func TestSegmentMetricsCostTheirMembers(t *testing.T) {
	ts := newServer(t, func(c *config.Server) { c.MaxComplexity = 1000 })
	for _, tt := range []struct{ query, want string }{
		{`{ segments { metrics(maxMembers: 500) { members customers } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{`{ segments { metrics { members customers capped buyers complete } } }`, "COMPLEXITY_LIMIT_EXCEEDED"}, // 200 members by default: 1 + 200 × 5
	} {
		got := codes(t, post(t, ts, gqlBody(t, tt.query, nil)).body)
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s: codes %v, want %q", tt.query, got, tt.want)
		}
	}
}

// The saved example operations the playground opens pass the default
// limits.
func TestExamplesPassDefaultLimits(t *testing.T) {
	ts := newServer(t, func(c *config.Server) {
		c.MaxBodyBytes, c.MaxDepth, c.MaxComplexity = config.DefaultMaxBodyBytes, config.DefaultMaxDepth, config.DefaultMaxComplexity
	})
	for _, q := range queries.All() {
		var vars map[string]any
		if q.Variables != "" {
			if err := json.Unmarshal([]byte(q.Variables), &vars); err != nil {
				t.Fatal(err)
			}
		}
		got := post(t, ts, gqlBody(t, q.Query, vars))
		for _, c := range codes(t, got.body) {
			if strings.HasSuffix(c, "_LIMIT_EXCEEDED") || strings.HasPrefix(c, "GRAPHQL_") {
				t.Errorf("%s: %s", q.Name, got.body)
			}
		}
	}
}

func TestBatches(t *testing.T) {
	ts := newServer(t, func(c *config.Server) { c.MaxBatchOperations = 3 })
	tests := []struct {
		name       string
		body       string
		wantStatus int
		want       []string // per element: a substring, in order
	}{
		{"one operation is not a batch", `{"query":"{ __typename }"}`, http.StatusOK, nil},
		{"answers in order", `[{"query":"{ sources { name } }"},{"query":"{ __typename }"},{"query":"query Q { q: __typename }","operationName":"Q"}]`,
			http.StatusOK, []string{`{"data":{"sources":[]}}`, `{"data":{"__typename":"Query"}}`, `{"data":{"q":"Query"}}`}},
		{"limits apply per operation", `[{"query":"{ __typename }"},{"query":"{ customers { edges { node { timeline { edges { node { payload { ... on Order { items { name } } } } } } } } } }"}]`,
			http.StatusOK, []string{`{"data":{"__typename":"Query"}}`, "DEPTH_LIMIT_EXCEEDED"}},
		{"a bad element fails alone", `[{"query":"{ __typename }"}, 42, {"query":"{"}]`,
			http.StatusOK, []string{`{"data":{"__typename":"Query"}}`, "not valid JSON", "GRAPHQL_PARSE_FAILED"}},
		{"too many operations", `[{"query":"{ __typename }"},{"query":"{ __typename }"},{"query":"{ __typename }"},{"query":"{ __typename }"}]`,
			http.StatusBadRequest, []string{"BATCH_LIMIT_EXCEEDED"}},
		{"an empty batch", ` [ ] `, http.StatusBadRequest, []string{"BATCH_LIMIT_EXCEEDED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := post(t, ts, tt.body)
			if got.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", got.status, got.body, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK || tt.want == nil {
				for _, w := range tt.want {
					if !strings.Contains(got.body, w) {
						t.Fatalf("%s does not hold %s", got.body, w)
					}
				}
				return
			}
			var elems []json.RawMessage
			if err := json.Unmarshal([]byte(got.body), &elems); err != nil {
				t.Fatalf("not a JSON array: %v: %s", err, got.body)
			}
			if len(elems) != len(tt.want) {
				t.Fatalf("%d answers, want %d: %s", len(elems), len(tt.want), got.body)
			}
			for i, w := range tt.want {
				if !strings.Contains(string(elems[i]), w) {
					t.Errorf("answer %d = %s, want it to hold %s", i, elems[i], w)
				}
			}
		})
	}
}

func TestPersistedQueries(t *testing.T) {
	sources := queries.All()[0]
	for _, q := range queries.All() {
		if strings.Contains(q.Name, "sources") {
			sources = q
		}
	}
	list, err := server.LoadSafelist(filepath.Join("..", "..", "docs", "queries"))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(queries.All()) {
		t.Fatalf("safelist of docs/queries has %d operations, want %d", len(list), len(queries.All()))
	}
	hashOnly := func(h string) string {
		return `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + h + `"}}}`
	}
	withHash := func(q, h string) string {
		b, _ := json.Marshal(map[string]any{"query": q, "extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": h}}})
		return string(b)
	}
	unknown := server.QueryHash("{ __typename }")
	tests := []struct {
		name, mode, body, want string
	}{
		{"safelist runs a registered query", config.PersistedSafelist, gqlBody(t, sources.Query, nil), `"sources":[]`},
		{"safelist runs a registered hash", config.PersistedSafelist, hashOnly(server.QueryHash(sources.Query)), `"sources":[]`},
		{"safelist runs a registered query with its hash", config.PersistedSafelist, withHash(sources.Query, server.QueryHash(sources.Query)), `"sources":[]`},
		{"safelist refuses another query", config.PersistedSafelist, gqlBody(t, "{ __typename }", nil), "PERSISTED_QUERY_NOT_ALLOWED"},
		{"safelist refuses an unknown hash", config.PersistedSafelist, hashOnly(unknown), "PERSISTED_QUERY_NOT_ALLOWED"},
		{"safelist refuses a hash of another query", config.PersistedSafelist, withHash("{ __typename }", server.QueryHash(sources.Query)), "PERSISTED_QUERY_HASH_MISMATCH"},
		{"apq asks for an unknown hash", config.PersistedAPQ, hashOnly(unknown), "PERSISTED_QUERY_NOT_FOUND"},
		{"apq runs any query", config.PersistedAPQ, gqlBody(t, "{ __typename }", nil), `"__typename":"Query"`},
		{"off refuses a hash", config.PersistedOff, hashOnly(unknown), "PERSISTED_QUERY_NOT_SUPPORTED"},
		{"off runs any query", config.PersistedOff, gqlBody(t, "{ __typename }", nil), `"__typename":"Query"`},
	}
	servers := map[string]string{}
	for _, mode := range []string{config.PersistedSafelist, config.PersistedAPQ, config.PersistedOff} {
		servers[mode] = newServerWith(t, func(c *config.Server) { c.PersistedQueries.Mode = mode }, func(o *server.Options) { o.Safelist = list }).URL
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := postTo(t, servers[tt.mode], tt.body)
			if !strings.Contains(got.body, tt.want) {
				t.Fatalf("got %d %s, want %s", got.status, got.body, tt.want)
			}
		})
	}
}

func TestLoadSafelist(t *testing.T) {
	dir := t.TempDir()
	q := "query A { __typename }"
	good, err := server.Manifest([]string{q})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"good.json":     string(good),
		"upper.json":    `{"` + strings.ToUpper(server.QueryHash(q)) + `": "` + q + `"}`,
		"wrong.json":    `{"` + server.QueryHash("{ b }") + `": "` + q + `"}`,
		"notjson.json":  `[1, 2]`,
		"empty.json":    `{}`,
		"empty/.keep":   "",
		"ops/a.graphql": q,
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		path    string
		wantErr string
	}{
		{"good.json", ""},
		{"upper.json", ""},
		{"ops", ""},
		{"wrong.json", "not the sha256 of its query"},
		{"notjson.json", "not a JSON object"},
		{"empty.json", "no operations"},
		{"empty", "no operations"},
		{"missing.json", "no such file"},
	} {
		got, err := server.LoadSafelist(filepath.Join(dir, tt.path))
		switch {
		case tt.wantErr == "" && (err != nil || got[server.QueryHash(q)] != q):
			t.Errorf("%s: %v %v", tt.path, got, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want %q", tt.path, err, tt.wantErr)
		}
	}
}

// hostileFragments is the query of issue 15: fragment Fi spreads F(i-1)
// twice, so { sources { ...F39 } } expands to 2^39 names. gqlgen's
// complexity walk took 18.7 s at 25 fragments and days at 39.
func hostileFragments(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ sources { ...F%d } } fragment F0 on Source { name } ", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Source { ...F%d ...F%d } ", i, i-1, i-1)
	}
	return b.String()
}

// TestFragmentBombIsRefusedQuickly sends the fragment bomb alone and as a
// batch of ten: each is refused with COMPLEXITY_LIMIT_EXCEEDED, and the
// whole answer comes back within a bound that a 2^39 walk cannot meet (a
// generous one: the refusal takes milliseconds).
func TestFragmentBombIsRefusedQuickly(t *testing.T) {
	ts := newServer(t, func(c *config.Server) { c.MaxBodyBytes = 1 << 20 })
	one := gqlBody(t, hostileFragments(39), nil)
	batch := "[" + strings.Repeat(one+",", 9) + one + "]"
	for _, tt := range []struct{ name, body string }{{"alone", one}, {"batch of ten", batch}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("no answer within 30 s: %v", err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var answers []json.RawMessage
			if tt.body[0] == '[' {
				if err := json.Unmarshal(raw, &answers); err != nil || len(answers) != 10 {
					t.Fatalf("batch answer %.300s: %v", raw, err)
				}
			} else {
				answers = []json.RawMessage{raw}
			}
			for _, a := range answers {
				if cs := codes(t, string(a)); len(cs) != 1 || cs[0] != "COMPLEXITY_LIMIT_EXCEEDED" {
					t.Errorf("answer %.300s: codes %v, want COMPLEXITY_LIMIT_EXCEEDED", a, cs)
				}
			}
		})
	}
}
