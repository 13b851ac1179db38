package app

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/testlog"
	"github.com/harmonyhq/harmony/internal/tracing"
)

// The fixture customer: what no span, call record or log line may hold.
const (
	fixtureKey   = "crm-47q11"
	fixtureName  = "Ana"
	fixtureLast  = "Lindqvist"
	fixtureEmail = "ana.lindqvist@example.test"
	fixturePhone = "+33612345678"
	webhookKey   = "test-webhook-secret-0123456789"
	adminKey     = "admin-key-0123456789abcdef"
	agentKey     = "agent-key-0123456789abcdef"
)

// crm is a channel system over HTTP: one customer, listed, read in batches
// and with orders, counting the profile and order calls it serves.
type crm struct {
	srv *httptest.Server

	mu                   sync.Mutex
	profileCalls, orders int
}

func newCRM(t *testing.T) *crm {
	t.Helper()
	c := &crm{}
	record := map[string]string{"id": fixtureKey, "first": fixtureName, "last": fixtureLast, "email": fixtureEmail, "phone": fixturePhone}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /crm/contacts", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"results": []any{record}})
	})
	mux.HandleFunc("POST /crm/contacts/batch", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ IDs []string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		c.mu.Lock()
		c.profileCalls++
		c.mu.Unlock()
		var out []any
		for _, id := range body.IDs {
			if id == fixtureKey {
				out = append(out, record)
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"results": out})
	})
	mux.HandleFunc("GET /crm/customers/{key}/orders", func(w http.ResponseWriter, _ *http.Request) {
		c.mu.Lock()
		c.orders++
		c.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"orders": []map[string]string{
			{"number": "O-2", "date": "2024-04-20T10:00:00Z", "amount": "99.00", "currency": "EUR"},
		}})
	})
	c.srv = httptest.NewServer(mux)
	t.Cleanup(c.srv.Close)
	return c
}

func (c *crm) counts() (profiles, orders int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.profileCalls, c.orders
}

const observeConfig = `
store: {data_dir: %q}
identity: {sync_on_start: false, allow_reserved_domains: true}
auth:
  api_keys:
    - {id: ops, sha256: %s, role: admin}
    - {id: desk, sha256: %s, role: agent}
connectors:
  - name: crm
    kind: rest
    cache: {ttl: 1h}
    webhook: {secret: %s}
    config:
      base_url: %s/crm
      list_profiles:
        path: /contacts
        query: {after: "{{.Cursor}}"}
        pagination: {style: cursor, next: $.next}
        records: $.results
        key: $.id
        fields: {given_name: $.first, family_name: $.last, email: $.email, phone: $.phone}
      profiles:
        method: POST
        path: /contacts/batch
        body: '{"ids": [{{range $i, $k := .Keys}}{{if $i}},{{end}}{{json $k}}{{end}}]}'
        records: $.results
        key: $.id
        fields: {given_name: $.first, family_name: $.last, email: $.email, phone: $.phone}
      orders:
        per_key: true
        path: /customers/{{.Key}}/orders
        query: {limit: "{{.Limit}}"}
        records: $.orders
        id: $.number
        placed_at: $.date
        total: $.amount
        currency: $.currency
        channel: online
      events:
        records: $.events
        id: $.id
        type: $.type
        customer_key: $.user_id
`

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// observed is a gateway over the crm, with spans recorded in memory and
// logs captured.
type observed struct {
	gw    *Gateway
	srv   *httptest.Server
	crm   *crm
	spans *tracetest.SpanRecorder
	logs  *syncBuffer
}

func newObserved(t *testing.T) *observed {
	t.Helper()
	up := newCRM(t)
	cfg, err := config.Parse("harmony.yaml", fmt.Appendf(nil, observeConfig, t.TempDir(), sha(adminKey), sha(agentKey), webhookKey, up.srv.URL), nil)
	if err != nil {
		t.Fatal(err)
	}
	spans := tracetest.NewSpanRecorder()
	tracing.Install(tracing.NewProvider(spans, 1, nil))
	t.Cleanup(func() { tracing.Install(sdktrace.NewTracerProvider()) })
	logs := &syncBuffer{}
	gw, err := Build(t.Context(), cfg, Options{Log: testlog.Logger(logs), HTTPClient: up.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(t.Context()) })
	if err := gw.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	return &observed{gw: gw, srv: srv, crm: up, spans: spans, logs: logs}
}

const customerQuery = `query Customer360($ids: [IdentifierInput!]!) {
  customersByIdentifiers(identifiers: $ids) {
    id
    profile { givenName { value } email { value } phone { value } }
    orders(first: 5) { id }
  }
}`

type gqlReply struct {
	header http.Header
	raw    string
	body   struct {
		Data       json.RawMessage `json:"data"`
		Errors     []any           `json:"errors"`
		Extensions map[string]any  `json:"extensions"`
	}
}

// query runs the fixture's customer 360 with the given API key and extra
// headers (name, value pairs).
func (o *observed) query(t *testing.T, key string, ext map[string]any, headers ...string) gqlReply {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": customerQuery, "operationName": "Customer360",
		"variables":  map[string]any{"ids": []map[string]string{{"kind": "EMAIL", "value": fixtureEmail}}},
		"extensions": ext})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, o.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlReply
	r.header, r.raw = resp.Header, string(raw)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatal(err)
	}
	if len(r.body.Errors) > 0 || !strings.Contains(string(r.body.Data), fixtureEmail) {
		t.Fatalf("the customer was not read: %s", raw)
	}
	return r
}

// webhook delivers a signed event about the fixture customer.
func (o *observed) webhook(t *testing.T, id string) {
	t.Helper()
	body := fmt.Appendf(nil, `{"events": [{"id": %q, "type": "contact.updated", "user_id": %q}]}`, id, fixtureKey)
	mac := hmac.New(sha256.New, []byte(webhookKey))
	mac.Write(body)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, o.srv.URL+"/webhooks/crm", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature", hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"stored":1`) {
		t.Fatalf("webhook: %d %s", resp.StatusCode, raw)
	}
}

func TestObservability(t *testing.T) {
	o := newObserved(t)
	forbidden := []string{fixtureKey, "47q11", fixtureName, fixtureLast, fixtureEmail, "lindqvist", "612345678", adminKey, agentKey, webhookKey}

	t.Run("spans follow the request and hold no personal data", func(t *testing.T) {
		// The search index read the profile at sync: a cold cache makes
		// every read an upstream call.
		o.gw.observe.cache.Invalidate(t.Context(), "crm", []string{fixtureKey}) //nolint:errcheck // memory never fails
		o.spans.Reset()
		o.query(t, adminKey, nil)
		spans := o.spans.Ended()
		byID := map[string]sdktrace.ReadOnlySpan{}
		for _, s := range spans {
			byID[s.SpanContext().SpanID().String()] = s
		}
		parent := func(s sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan { return byID[s.Parent().SpanID().String()] }
		var connectorSpans int
		for _, s := range spans {
			if !strings.HasPrefix(s.Name(), "connector crm ") {
				continue
			}
			connectorSpans++
			// connector → loader → resolver(s) → operation.
			chain := []string{s.Name()}
			for p := parent(s); p != nil; p = parent(p) {
				chain = append(chain, p.Name())
			}
			want := []string{"loader crm ", "resolve ", "graphql query Customer360"}
			ok := len(chain) >= 4 && strings.HasPrefix(chain[1], want[0]) && strings.HasPrefix(chain[2], want[1]) &&
				chain[len(chain)-1] == want[2]
			if !ok {
				t.Errorf("span chain %q, want connector → loader → resolver → operation", chain)
			}
			attrs := map[string]string{}
			for _, a := range s.Attributes() {
				attrs[string(a.Key)] = a.Value.Emit()
			}
			if attrs["harmony.connector"] != "crm" || attrs["harmony.keys"] != "1" || attrs["harmony.attempt"] != "1" ||
				attrs["harmony.outcome"] != "ok" || attrs["harmony.capability"] == "" {
				t.Errorf("connector span %s attributes %v", s.Name(), attrs)
			}
		}
		if connectorSpans != 2 {
			t.Errorf("%d connector spans, want 2 (profiles and orders)", connectorSpans)
		}
		var op sdktrace.ReadOnlySpan
		for _, s := range spans {
			if s.Name() == "graphql query Customer360" {
				op = s
			}
		}
		if op == nil {
			t.Fatal("no operation span")
		}
		var hash string
		for _, a := range op.Attributes() {
			if a.Key == tracing.AttrDocumentHash {
				hash = a.Value.AsString()
			}
		}
		if hash != tracing.DocumentHash(customerQuery) {
			t.Errorf("document hash %q, want the query's SHA-256", hash)
		}
		for _, s := range spans {
			text := []string{s.Name(), s.Status().Description}
			for _, a := range s.Attributes() {
				text = append(text, string(a.Key), a.Value.Emit())
			}
			for _, e := range s.Events() {
				text = append(text, e.Name)
				for _, a := range e.Attributes {
					text = append(text, string(a.Key), a.Value.Emit())
				}
			}
			all := strings.ToLower(strings.Join(text, "\x00"))
			for _, f := range forbidden {
				if strings.Contains(all, strings.ToLower(f)) {
					t.Errorf("span %q holds %q", s.Name(), f)
				}
			}
		}
	})

	t.Run("extensions.trace lists upstream calls for admins only", func(t *testing.T) {
		o.gw.observe.cache.Invalidate(t.Context(), "crm", []string{fixtureKey}) //nolint:errcheck // memory never fails
		tests := []struct {
			name    string
			key     string
			ext     map[string]any
			headers []string
			want    []string // outcome of each call, nil for no trace
		}{
			{name: "header, cold cache", key: adminKey, headers: []string{"Harmony-Trace", "1"}, want: []string{"ok", "ok"}},
			{name: "extension, warm cache", key: adminKey, ext: map[string]any{"trace": true}, want: []string{"cache_hit", "cache_hit"}},
			{name: "not asked", key: adminKey},
			{name: "not an admin", key: agentKey, headers: []string{"Harmony-Trace", "1"}},
		}
		for _, tt := range tests {
			r := o.query(t, tt.key, tt.ext, tt.headers...)
			tr, has := r.body.Extensions["trace"].(map[string]any)
			if tt.want == nil {
				if has {
					t.Errorf("%s: extensions.trace = %v, want none", tt.name, tr)
				}
				continue
			}
			if !has {
				t.Fatalf("%s: no extensions.trace in %s", tt.name, r.raw)
			}
			calls, _ := tr["calls"].([]any)
			var outcomes, caps []string
			for _, c := range calls {
				m := c.(map[string]any)
				outcomes = append(outcomes, m["outcome"].(string))
				caps = append(caps, m["capability"].(string))
				if m["connector"] != "crm" || m["keys"] != float64(1) || m["durationMs"] == nil || m["startOffsetMs"] == nil {
					t.Errorf("%s: call %v", tt.name, m)
				}
			}
			if strings.Join(outcomes, ",") != strings.Join(tt.want, ",") || !strings.Contains(strings.Join(caps, ","), "profiles") ||
				!strings.Contains(strings.Join(caps, ","), "orders") {
				t.Errorf("%s: calls %v", tt.name, calls)
			}
			traceJSON, _ := json.Marshal(tr)
			for _, f := range forbidden {
				if strings.Contains(strings.ToLower(string(traceJSON)), strings.ToLower(f)) {
					t.Errorf("%s: extensions.trace holds %q", tt.name, f)
				}
			}
		}
	})

	t.Run("a webhook drops the customer's cached reads", func(t *testing.T) {
		o.query(t, adminKey, nil) // warm
		p0, o0 := o.crm.counts()
		o.query(t, adminKey, nil)
		if p, ord := o.crm.counts(); p != p0 || ord != o0 {
			t.Fatalf("a warm read called the system: profiles %d→%d, orders %d→%d", p0, p, o0, ord)
		}
		o.webhook(t, "evt-1")
		o.query(t, adminKey, nil)
		if p, ord := o.crm.counts(); p != p0+1 || ord != o0+1 {
			t.Fatalf("after the webhook: profiles %d→%d, orders %d→%d; want one call each", p0, p, o0, ord)
		}
	})

	t.Run("request IDs", func(t *testing.T) {
		tests := []struct {
			name, sent string
			kept       bool
		}{
			{"valid one is kept", "req-7f3a.b:9", true},
			{"none gets one", "", false},
			{"invalid one is replaced", fixtureEmail, false},
		}
		for _, tt := range tests {
			var headers []string
			if tt.sent != "" {
				headers = []string{"X-Request-Id", tt.sent}
			}
			r := o.query(t, adminKey, nil, headers...)
			got := r.header.Get("X-Request-Id")
			switch {
			case tt.kept && got != tt.sent:
				t.Errorf("%s: X-Request-Id = %q, want %q", tt.name, got, tt.sent)
			case !tt.kept && (len(got) != 32 || got == tt.sent):
				t.Errorf("%s: X-Request-Id = %q, want a new 32-digit ID", tt.name, got)
			}
			var found bool
			for line := range strings.SplitSeq(o.logs.String(), "\n") {
				if strings.Contains(line, `"msg":"graphql operation"`) && strings.Contains(line, `"request_id":"`+got+`"`) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no operation log line with request_id %q", tt.name, got)
			}
		}
		for _, f := range forbidden {
			if strings.Contains(strings.ToLower(o.logs.String()), strings.ToLower(f)) {
				t.Errorf("the logs hold %q", f)
			}
		}
	})
}
