package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/server"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/resolvers"

	"github.com/harmonyhq/harmony/internal/testlog"
)

// newServer serves the real schema and resolvers over a real (embedded)
// profile store, with no channel systems.
func newServer(t *testing.T, mutate func(*config.Server)) *httptest.Server {
	return newLoggedServer(t, mutate, io.Discard)
}

func newLoggedServer(t *testing.T, mutate func(*config.Server), logs io.Writer) *httptest.Server {
	t.Helper()
	return newServerOptions(t, mutate, func(o *server.Options) { o.Log = slog.New(slog.NewJSONHandler(testlog.Tee(logs), nil)) })
}

// newServerWith is newServer with options changed by opts.
func newServerWith(t *testing.T, mutate func(*config.Server), opts func(*server.Options)) *httptest.Server {
	t.Helper()
	return newServerOptions(t, mutate, opts)
}

func newServerOptions(t *testing.T, mutate func(*config.Server), opts func(*server.Options)) *httptest.Server {
	t.Helper()
	st := storetest.Open(t)
	set, _ := sources.NewSet()
	cfg := config.Server{MaxBodyBytes: 4096, MaxDepth: 6, MaxComplexity: 500}
	if mutate != nil {
		mutate(&cfg)
	}
	off := false
	cfg.Playground = &off
	o := server.Options{
		Log:       slog.New(slog.DiscardHandler),
		Config:    cfg,
		Resolvers: &resolvers.Resolver{Store: st, Sources: set, Policy: identity.DefaultPolicy()},
		Loaders:   &loaders.Factory{Sources: set, Store: st},
		Ready: func(ctx context.Context) (bool, map[string]string) {
			return st.Ping(ctx) == nil, map[string]string{"store": "ok"}
		},
	}
	if opts != nil {
		opts(&o)
	}
	srv := server.New(o)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		_ = srv.Close()
	})
	return ts
}

type reply struct {
	status int
	body   string
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, string(b)}
}

func post(t *testing.T, ts *httptest.Server, body string) reply {
	t.Helper()
	return postTo(t, ts.URL, body)
}

// postTo posts a JSON body to the /graphql of the server at url, with
// headers given as name, value pairs.
func postTo(t *testing.T, url, body string, headers ...string) reply {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, req)
}

func TestRequestsAreGuarded(t *testing.T) {
	ts := newServer(t, nil)
	const email = "victim@example.com"
	deep := `{"query":"{ customers { edges { node { timeline { edges { node { payload { ... on Order { items { name } } } } } } } } } }"}`
	tests := []struct {
		name       string
		req        func(context.Context) *http.Request
		wantStatus int
		wantIn     string
	}{
		{
			name: "oversized body gets 413",
			req: func(ctx context.Context) *http.Request {
				r, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query":"`+strings.Repeat("a", 5000)+email+`"}`))
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			wantStatus: http.StatusRequestEntityTooLarge, wantIn: "too large",
		},
		{
			name: "chunked oversized body gets 413",
			req: func(ctx context.Context) *http.Request {
				r, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", io.MultiReader(strings.NewReader(`{"query":"`), strings.NewReader(strings.Repeat("a", 5000))))
				r.Header.Set("Content-Type", "application/json")
				r.ContentLength = -1
				return r
			},
			wantStatus: http.StatusRequestEntityTooLarge, wantIn: "too large",
		},
		{
			name: "malformed JSON gets 400 without the body",
			req: func(ctx context.Context) *http.Request {
				r, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query": "`+email))
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			wantStatus: http.StatusBadRequest, wantIn: "not valid JSON",
		},
		{
			name: "GET without a preflight header is refused",
			req: func(ctx context.Context) *http.Request {
				r, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/graphql?query=%7Bsources%7Bname%7D%7D", nil)
				return r
			},
			wantStatus: http.StatusBadRequest, wantIn: "CSRF",
		},
		{
			name: "GET with a preflight header runs a query",
			req: func(ctx context.Context) *http.Request {
				r, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/graphql?query=%7Bsources%7Bname%7D%7D", nil)
				r.Header.Set("X-Requested-With", "fetch")
				return r
			},
			wantStatus: http.StatusOK, wantIn: `"sources":[]`,
		},
		{
			name: "too deep",
			req: func(ctx context.Context) *http.Request {
				r, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", strings.NewReader(deep))
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			wantStatus: http.StatusOK, wantIn: "DEPTH_LIMIT_EXCEEDED",
		},
		{
			name: "too costly",
			req: func(ctx context.Context) *http.Request {
				r, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query":"{ customers(first: 100) { edges { node { orders(first: 100) { id } } } } }"}`))
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			wantStatus: http.StatusOK, wantIn: "COMPLEXITY_LIMIT_EXCEEDED",
		},
		{
			name: "introspection is off unless configured",
			req: func(ctx context.Context) *http.Request {
				r, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query":"{ __schema { types { name } } }"}`))
				r.Header.Set("Content-Type", "application/json")
				return r
			},
			wantStatus: http.StatusOK, wantIn: "INTROSPECTION_DISABLED",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, tt.req(t.Context()))
			if got.status != tt.wantStatus || !strings.Contains(strings.ToLower(got.body), strings.ToLower(tt.wantIn)) {
				t.Fatalf("got %d %s\nwant %d containing %q", got.status, got.body, tt.wantStatus, tt.wantIn)
			}
			if strings.Contains(got.body, email) {
				t.Fatalf("the answer echoes the request: %s", got.body)
			}
		})
	}
}

func TestErrorsNeverEchoInput(t *testing.T) {
	var logs bytes.Buffer
	ts := newLoggedServer(t, nil, &logs)
	t.Cleanup(func() {
		if strings.Contains(logs.String(), "victim") {
			t.Errorf("the logs hold input: %s", logs.String())
		}
	})
	const email = "victim@example.com"
	tests := []struct {
		name, body, wantCode string
	}{
		{"invalid identifier", `{"query":"query($v: String!) { customerByIdentifier(kind: PHONE, value: $v) { id } }","variables":{"v":"` + email + `"}}`, "BAD_USER_INPUT"},
		{"variable of the wrong type", `{"query":"query($k: IdentifierKind!) { customerByIdentifier(kind: $k, value: \"x\") { id } }","variables":{"k":"` + email + `"}}`, "GRAPHQL_VALIDATION_FAILED"},
		{"literal in a bad place", `{"query":"{ customer(id: 1) { id } customerByIdentifier(kind: EMAIL, value: 42, system: \"` + email + `\") { id } }"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"syntax error after a literal", `{"query":"{ customerByIdentifier(kind: EMAIL, value: \"` + email + `\" { id } }"}`, "GRAPHQL_PARSE_FAILED"},
		{"bad cursor", `{"query":"{ customers(after: \"` + email + `\") { edges { cursor } } }"}`, "BAD_USER_INPUT"},
		{"unknown operation name", `{"query":"query A { __typename }","operationName":"` + email + `"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"too deep", `{"query":"{ customerByIdentifier(kind: EMAIL, value: \"` + email + `\") { a { b { c { d { e { f } } } } } } }"}`, "DEPTH_LIMIT_EXCEEDED"},
		{"too many aliases", `{"query":"{ ` + strings.Repeat(`c: customerByIdentifier(kind: EMAIL, value: \"`+email+`\") { id } `, 31) + `}"}`, "ALIAS_LIMIT_EXCEEDED"},
		{"syntax error in a batch", `[{"query":"{ __typename }"},{"query":"{ customerByIdentifier(kind: EMAIL, value: \"` + email + `\" { id } }"}]`, "GRAPHQL_PARSE_FAILED"},
		{"hash mismatch", `{"query":"{ customerByIdentifier(kind: EMAIL, value: \"` + email + `\") { id } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + email + `"}}}`, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := post(t, ts, tt.body)
			if strings.Contains(got.body, email) || strings.Contains(got.body, "victim") {
				t.Fatalf("the answer echoes input: %s", got.body)
			}
			if !strings.Contains(got.body, tt.wantCode) {
				t.Fatalf("answer %d %s, want code %s", got.status, got.body, tt.wantCode)
			}
		})
	}
}

func TestIntrospectionWhenEnabled(t *testing.T) {
	ts := newServer(t, func(c *config.Server) { c.Introspection = true })
	got := post(t, ts, `{"query":"{ __schema { queryType { name } } }"}`)
	if got.status != http.StatusOK || !strings.Contains(got.body, `"Query"`) {
		t.Fatalf("got %d %s", got.status, got.body)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	ts := newServer(t, nil)
	for _, tt := range []struct {
		path, want string
	}{
		{"/healthz", "ok"},
		{"/readyz", `"status":"ready"`},
		{"/metrics", "harmony_http_requests_total"},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+tt.path, nil)
		got := do(t, req)
		if got.status != http.StatusOK || !strings.Contains(got.body, tt.want) {
			t.Errorf("%s = %d %s", tt.path, got.status, got.body)
		}
	}
	var body map[string]any
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+"/readyz", nil)
	if err := json.Unmarshal([]byte(do(t, req).body), &body); err != nil {
		t.Fatal(err)
	}
}
