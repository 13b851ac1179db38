package rest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/connectors/rest"
)

func TestConformance(t *testing.T) {
	connectortest.Run(t, func(t *testing.T) *connectortest.Harness {
		v := newVendor(t)
		return &connectortest.Harness{
			Connector: connectortest.Build(t, "rest", v.config(), connectors.Env{Name: "crm", HTTPClient: v.srv.Client()}),
			Known:     []string{"101", "102", "103"},
			Missing:   "999",
			Break:     v.Break,
			Heal:      v.Heal,
			Block:     v.Block,
			Secrets:   []string{v.token},
		}
	})
}

// TestConformancePerKeyProfiles runs the kit against per-key profile reads
// without a key mapping (the request names the key).
func TestConformancePerKeyProfiles(t *testing.T) {
	connectortest.Run(t, func(t *testing.T) *connectortest.Harness {
		srv, ctl := simpleServer(t)
		cfg := `
base_url: ` + srv.URL + `/v1/
auth: {type: api_key, query: api_key, key: "k-secret-123"}
max_concurrency: 2
profiles:
  per_key: true
  path: /people/{{.Key}}
  records: $.person
  fields: {email: $.email, given_name: $.name}
`
		return &connectortest.Harness{
			Connector: connectortest.Build(t, "rest", cfg, connectors.Env{HTTPClient: srv.Client()}),
			Known:     []string{"a/1", "b 2", "c?3"},
			Missing:   "zz",
			Break:     ctl.Break, Heal: ctl.Heal, Block: ctl.Block,
			Secrets: []string{"k-secret-123"},
		}
	})
}

// control is a break/block switch for simple test servers.
type control struct {
	mu      sync.Mutex
	broken  bool
	blocked chan struct{}
}

func (c *control) Break() { c.mu.Lock(); c.broken = true; c.mu.Unlock() }
func (c *control) Heal()  { c.mu.Lock(); c.broken = false; c.mu.Unlock() }
func (c *control) Block() func() {
	ch := make(chan struct{})
	c.mu.Lock()
	c.blocked = ch
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() { c.mu.Lock(); c.blocked = nil; c.mu.Unlock(); close(ch) })
	}
}

func (c *control) gate(w http.ResponseWriter, r *http.Request) bool {
	c.mu.Lock()
	broken, blocked := c.broken, c.blocked
	c.mu.Unlock()
	if blocked != nil {
		select {
		case <-blocked:
		case <-r.Context().Done():
			return false
		}
	}
	if broken {
		w.WriteHeader(http.StatusBadGateway)
		return false
	}
	return true
}

// simpleServer serves /v1/people/{key} for three keys with awkward
// characters, requiring the api_key query parameter.
func simpleServer(t *testing.T) (*httptest.Server, *control) {
	ctl := &control{}
	people := map[string]string{"a/1": "Ana", "b 2": "Bea", "c?3": "Cid"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ctl.gate(w, r) {
			return
		}
		if r.URL.Query().Get("api_key") != "k-secret-123" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		key, ok := strings.CutPrefix(r.URL.EscapedPath(), "/v1/people/")
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		key = unescape(key)
		name, ok := people[key]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"not found"}`))
			return
		}
		fmt.Fprintf(w, `{"person": {"name": %q, "email": "%s@example.com", "empty": ""}}`, name, strings.ToLower(name))
	}))
	t.Cleanup(srv.Close)
	return srv, ctl
}

func unescape(s string) string {
	r := strings.NewReplacer("%2F", "/", "%20", " ", "%3F", "?")
	return r.Replace(s)
}

func build(t *testing.T, cfg string, client *http.Client) *rest.Connector {
	t.Helper()
	return connectortest.Build(t, "rest", cfg, connectors.Env{HTTPClient: client}).(*rest.Connector)
}

func TestProfilesMapping(t *testing.T) {
	v := newVendor(t)
	c := build(t, v.config(), v.srv.Client())
	out, err := c.Profiles(context.Background(), []string{"104", "999", "101"})
	if err != nil {
		t.Fatal(err)
	}
	if out[1] != nil {
		t.Errorf("missing key answered: %+v", out[1])
	}
	p := out[0]
	if p == nil || p.Key != "104" || p.Get(connectors.FieldGivenName) != "Duarte" || p.Get(connectors.FieldPhone) != "+351910000004" {
		t.Fatalf("profile 104 = %+v", p)
	}
	if _, ok := p.Fields[connectors.FieldEmail]; ok {
		t.Errorf("null email kept: %+v", p.Fields)
	}
	if p.Get("source") != "hubspot" {
		t.Errorf("literal field = %q", p.Get("source"))
	}
	if want := time.Date(2024, 5, 4, 10, 0, 0, 0, time.UTC); !p.UpdatedAt.Equal(want) {
		t.Errorf("updated_at = %v", p.UpdatedAt)
	}
	if out[2].Key != "101" || out[2].Get(connectors.FieldEmail) != "ana@example.com" {
		t.Errorf("profile 101 = %+v", out[2])
	}
}

func TestOrdersMapping(t *testing.T) {
	v := newVendor(t)
	c := build(t, v.config(), v.srv.Client())
	out, err := c.Orders(context.Background(), []string{"101", "999"}, connectors.Window{
		Since: time.Date(2024, 4, 5, 9, 0, 0, 0, time.UTC), Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(out[1]) != 0 {
		t.Errorf("missing key has orders")
	}
	got := out[0]
	if len(got) != 2 || got[0].ID != "5004" || got[1].ID != "5003" {
		t.Fatalf("orders = %+v", got)
	}
	o := got[1]
	if o.CustomerKey != "101" || o.Total != (connectors.Money{Minor: 4250, Currency: "EUR"}) || o.Status != "paid" || o.Channel != "web" {
		t.Errorf("order = %+v", o)
	}
	if len(o.Items) != 1 || o.Items[0].SKU != "SKU-5003" || o.Items[0].Quantity != 1 || o.Items[0].UnitPrice.Minor != 4250 {
		t.Errorf("items = %+v", o.Items)
	}
}

func TestInteractionsPerKey(t *testing.T) {
	v := newVendor(t)
	c := build(t, v.config(), v.srv.Client())
	out, err := c.Interactions(context.Background(), []string{"999", "102", "101"}, connectors.Window{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(out[0]) != 0 || len(out[1]) != 1 || len(out[2]) != 3 {
		t.Fatalf("lens = %d %d %d", len(out[0]), len(out[1]), len(out[2]))
	}
	it := out[1][0]
	if it.ID != "9004" || it.CustomerKey != "102" || it.Channel != "email" || it.Type != "ticket" ||
		it.Direction != "inbound" || it.Summary != "Invoice copy" || it.Attributes["source"] != "zendesk" {
		t.Errorf("interaction = %+v", it)
	}
	if out[2][0].ID != "9003" {
		t.Errorf("not newest first: %+v", out[2])
	}
}

func TestCapabilitiesAndUnconfigured(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	c := build(t, `
base_url: `+srv.URL+`
profiles: {path: "/p", query: {ids: '{{join .Keys ","}}'}, records: $.items, key: $.id}
`, srv.Client())
	if got := connectors.Capabilities(c); len(got) != 1 || got[0] != connectors.CapProfiles {
		t.Fatalf("capabilities = %v", got)
	}
	_, err := c.Orders(context.Background(), []string{"1"}, connectors.Window{Limit: 1})
	if connectors.CodeOf(err) != connectors.CodeInternal {
		t.Errorf("orders on a profiles-only connector: %v", err)
	}
	_, err = c.ListProfiles(context.Background(), "", 10)
	if connectors.CodeOf(err) != connectors.CodeInternal {
		t.Errorf("list_profiles: %v", err)
	}
	_, err = c.Interactions(context.Background(), []string{"1"}, connectors.Window{Limit: 1})
	if connectors.CodeOf(err) != connectors.CodeInternal {
		t.Errorf("interactions: %v", err)
	}
}

// recorder is a server that records the last request and answers with a
// configurable status, headers and body.
type recorder struct {
	mu      sync.Mutex
	last    *http.Request
	body    string
	status  int
	header  http.Header
	respond string
}

func newRecorder(t *testing.T) (*recorder, *httptest.Server) {
	rec := &recorder{status: 200, respond: `{"items": []}`}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = fmt.Fprint(b, readAll(r))
		rec.mu.Lock()
		rec.last, rec.body = r, b.String()
		status, header, respond := rec.status, rec.header, rec.respond
		rec.mu.Unlock()
		for k, vs := range header {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(respond))
	}))
	t.Cleanup(srv.Close)
	return rec, srv
}

func readAll(r *http.Request) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func TestTemplates(t *testing.T) {
	rec, srv := newRecorder(t)
	c := build(t, `
base_url: `+srv.URL+`/api/
headers: {X-Tenant: acme}
orders:
  method: POST
  path: /customers/{{index .Keys 0}}/orders
  query:
    ids: '{{join .Keys ","}}'
    since: "{{rfc3339 .Since}}"
    until: "{{unix .Until}}"
    limit: "{{.Limit}}"
    empty: ""
  body: '{"ids": {{json .Keys}}, "since": {{json (rfc3339 .Since)}}}'
  records: $.items
  customer_key: $.c
  id: $.id
  placed_at: $.at
`, srv.Client())
	since := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	if _, err := c.Orders(context.Background(), []string{"a/b", `q"x`}, connectors.Window{Since: since, Limit: 5}); err != nil {
		t.Fatal(err)
	}
	r := rec.last
	if r.Method != http.MethodPost {
		t.Errorf("method = %s", r.Method)
	}
	if got := r.URL.EscapedPath(); got != "/api/customers/a%2Fb/orders" {
		t.Errorf("path = %s", got)
	}
	q := r.URL.Query()
	if q.Get("ids") != `a/b,q"x` || q.Get("since") != "2024-01-02T02:04:05Z" || q.Get("limit") != "5" {
		t.Errorf("query = %v", q)
	}
	if q.Has("until") || q.Has("empty") {
		t.Errorf("empty parameters sent: %v", q)
	}
	if rec.body != `{"ids": ["a/b","q\"x"], "since": "2024-01-02T02:04:05Z"}` {
		t.Errorf("body = %s", rec.body)
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Tenant") != "acme" || r.Header.Get("Accept") != "application/json" {
		t.Errorf("headers = %v", r.Header)
	}
}

func TestPagination(t *testing.T) {
	// 5 records, served by page or by offset; the server also reports
	// has_more.
	records := []string{"k1", "k2", "k3", "k4", "k5"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var size, start int
		_, _ = fmt.Sscan(q.Get("size"), &size)
		switch {
		case q.Has("page"):
			var page int
			_, _ = fmt.Sscan(q.Get("page"), &page)
			start = (page - 1) * size
		case q.Has("offset"):
			_, _ = fmt.Sscan(q.Get("offset"), &start)
		}
		start = min(start, len(records))
		end := min(start+size, len(records))
		var items []string
		for _, k := range records[start:end] {
			items = append(items, fmt.Sprintf(`{"id": %q}`, k))
		}
		fmt.Fprintf(w, `{"data": [%s], "meta": {"has_more": %v}}`, strings.Join(items, ","), end < len(records))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name, cfg string
		cursors   []string
	}{
		// Without has_more, a short page is not the end: an empty one is.
		{"page", `{path: /p, query: {page: "{{.Page}}", size: "{{.Limit}}"}, records: $.data, key: $.id, pagination: {style: page}}`, []string{"", "2", "3", "4"}},
		{"page_has_more", `{path: /p, query: {page: "{{.Page}}", size: "{{.Limit}}"}, records: $.data, key: $.id, pagination: {style: page, has_more: $.meta.has_more}}`, []string{"", "2", "3"}},
		{"offset", `{path: /p, query: {offset: "{{.Offset}}", size: "{{.Limit}}"}, records: $.data, key: $.id, pagination: {style: offset}}`, []string{"", "2", "4", "5"}},
		{"offset_has_more", `{path: /p, query: {offset: "{{.Offset}}", size: "{{.Limit}}"}, records: $.data, key: $.id, pagination: {style: offset, has_more: $.meta.has_more}}`, []string{"", "2", "4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := build(t, "base_url: "+srv.URL+"\nlist_profiles: "+tc.cfg, srv.Client())
			var got, cursors []string
			cursor := ""
			for range 10 {
				cursors = append(cursors, cursor)
				page, err := c.ListProfiles(context.Background(), cursor, 2)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range page.Profiles {
					got = append(got, p.Key)
				}
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			if strings.Join(got, ",") != "k1,k2,k3,k4,k5" {
				t.Errorf("listed %v", got)
			}
			if strings.Join(cursors, ",") != strings.Join(tc.cursors, ",") {
				t.Errorf("cursors %q, want %q", cursors, tc.cursors)
			}
		})
	}
	t.Run("exact_multiple_without_has_more", func(t *testing.T) {
		// 5 records with page size 5: a second, empty page ends the listing.
		c := build(t, "base_url: "+srv.URL+"\nlist_profiles: {path: /p, query: {page: \"{{.Page}}\", size: \"{{.Limit}}\"}, records: $.data, key: $.id, pagination: {style: page}}", srv.Client())
		p1, err := c.ListProfiles(context.Background(), "", 5)
		if err != nil || len(p1.Profiles) != 5 || p1.Next != "2" {
			t.Fatalf("page 1: %+v, %v", p1, err)
		}
		p2, err := c.ListProfiles(context.Background(), p1.Next, 5)
		if err != nil || len(p2.Profiles) != 0 || p2.Next != "" {
			t.Fatalf("page 2: %+v, %v", p2, err)
		}
	})
	t.Run("bad_cursor", func(t *testing.T) {
		c := build(t, "base_url: "+srv.URL+"\nlist_profiles: {path: /p, records: $.data, key: $.id, pagination: {style: offset}}", srv.Client())
		if _, err := c.ListProfiles(context.Background(), "abc", 2); connectors.CodeOf(err) != connectors.CodeInternal {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

func TestAuthStyles(t *testing.T) {
	rec, srv := newRecorder(t)
	for _, tc := range []struct {
		name, auth string
		check      func(r *http.Request) bool
	}{
		{"none", `{}`, func(r *http.Request) bool { return r.Header.Get("Authorization") == "" }},
		{"bearer", `{type: bearer, token: T0K}`, func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer T0K" }},
		{"api_key_header", `{type: api_key, header: x-api-key, key: K3Y}`, func(r *http.Request) bool { return r.Header.Get("X-Api-Key") == "K3Y" }},
		{"api_key_query", `{type: api_key, query: hapikey, key: K3Y}`, func(r *http.Request) bool {
			return r.URL.Query().Get("hapikey") == "K3Y" && r.URL.Query().Get("ids") == "1"
		}},
		{"basic", `{type: basic, username: u, password: P4SS}`, func(r *http.Request) bool {
			u, p, ok := r.BasicAuth()
			return ok && u == "u" && p == "P4SS"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := build(t, `
base_url: `+srv.URL+`
auth: `+tc.auth+`
profiles: {path: /p, query: {ids: '{{join .Keys ","}}'}, records: $.items, key: $.id}
`, srv.Client())
			if _, err := c.Profiles(context.Background(), []string{"1"}); err != nil {
				t.Fatal(err)
			}
			if !tc.check(rec.last) {
				t.Errorf("request does not carry the credentials: %v %v", rec.last.Header, rec.last.URL)
			}
		})
	}
}

func TestStatusCodes(t *testing.T) {
	rec, srv := newRecorder(t)
	batch := build(t, `
base_url: `+srv.URL+`
auth: {type: api_key, query: key, key: SUPERSECRET}
max_response_bytes: 64
profiles: {path: /p, query: {ids: '{{join .Keys ","}}'}, records: $.items, key: $.id}
`, srv.Client())
	perKey := build(t, `
base_url: `+srv.URL+`
profiles: {per_key: true, path: "/p/{{.Key}}", key: $.id}
`, srv.Client())
	httpDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		status     int
		header     http.Header
		body       string
		perKey     bool
		code       connectors.Code
		retryAfter time.Duration // minimum
		notFound   bool
	}{
		{status: 400, code: connectors.CodeRejected},
		{status: 401, code: connectors.CodeUnauthorized},
		{status: 403, code: connectors.CodeUnauthorized},
		{status: 404, code: connectors.CodeRejected},
		{status: 404, perKey: true, notFound: true},
		{status: 408, code: connectors.CodeTimeout},
		{status: 422, code: connectors.CodeRejected},
		{status: 429, header: http.Header{"Retry-After": {"7"}}, code: connectors.CodeRateLimited, retryAfter: 7 * time.Second},
		{status: 429, header: http.Header{"Retry-After": {httpDate}}, code: connectors.CodeRateLimited, retryAfter: 80 * time.Second},
		{status: 429, code: connectors.CodeRateLimited},
		{status: 500, code: connectors.CodeUnavailable},
		{status: 502, code: connectors.CodeUnavailable},
		{status: 503, header: http.Header{"Retry-After": {"2"}}, code: connectors.CodeUnavailable, retryAfter: 2 * time.Second},
		{status: 304, code: connectors.CodeBadResponse},
		{status: 200, body: `{"items": [`, code: connectors.CodeBadResponse},
		{status: 200, body: `<html>oops</html>`, code: connectors.CodeBadResponse},
		{status: 200, body: `{"items": [], "padding": "` + strings.Repeat("x", 100) + `"}`, code: connectors.CodeBadResponse},
		{status: 200, body: `{"items": [{"name": "no id"}]}`, code: connectors.CodeBadResponse},
		{status: 200, body: `{"items": [{"id": {"nested": 1}}]}`, code: connectors.CodeBadResponse},
	} {
		name := fmt.Sprintf("%d_%s", tc.status, tc.code)
		if tc.perKey {
			name += "_per_key"
		}
		t.Run(name, func(t *testing.T) {
			rec.mu.Lock()
			rec.status, rec.header, rec.respond = tc.status, tc.header, tc.body
			if tc.body == "" {
				rec.respond = `{"message": "customer ana@example.com: denied"}`
			}
			rec.mu.Unlock()
			c := batch
			if tc.perKey {
				c = perKey
			}
			out, err := c.Profiles(context.Background(), []string{"ana@example.com"})
			if tc.notFound {
				if err != nil || len(out) != 1 || out[0] != nil {
					t.Fatalf("want not found, got %v, %v", out, err)
				}
				return
			}
			var ce *connectors.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *connectors.Error", err)
			}
			if ce.Code != tc.code {
				t.Errorf("code %s, want %s (%v)", ce.Code, tc.code, err)
			}
			if ce.RetryAfter < tc.retryAfter || (tc.retryAfter == 0 && ce.RetryAfter != 0) || ce.RetryAfter > tc.retryAfter+15*time.Second {
				t.Errorf("RetryAfter %v, want about %v", ce.RetryAfter, tc.retryAfter)
			}
			for _, bad := range []string{"SUPERSECRET", "ana@example.com", srv.URL, "denied", "oops", "?"} {
				if strings.Contains(err.Error(), bad) {
					t.Errorf("error %q contains %q", err, bad)
				}
			}
		})
	}
}

func TestNetworkErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	c := build(t, `
base_url: `+url+`
auth: {type: api_key, query: key, key: SUPERSECRET}
profiles: {path: /p, query: {ids: '{{join .Keys ","}}'}, records: $.items, key: $.id}
`, http.DefaultClient)
	_, err := c.Profiles(context.Background(), []string{"ana@example.com"})
	if connectors.CodeOf(err) != connectors.CodeUnavailable {
		t.Fatalf("refused connection: %v", err)
	}
	for _, bad := range []string{"SUPERSECRET", "ana@example.com", "key="} {
		if strings.Contains(err.Error(), bad) {
			t.Errorf("error %q contains %q", err, bad)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, cfg string
		key       string
		line      int
		reason    string
	}{
		{"unknown key", "base_url: http://x\nprofiles:\n  path: /p\n  keys: $.id\n", "profiles.keys", 4, "unknown key"},
		{"unknown nested", "base_url: http://x\norders:\n  path: /o\n  items: {sku: $.a, colour: $.b}\n", "orders.items.colour", 4, "unknown key"},
		{"missing base_url", "profiles: {path: /p}\n", "base_url", 1, "required"},
		{"relative base_url", "base_url: /api\nprofiles: {path: /p}\n", "base_url", 1, "absolute"},
		{"credentials in base_url", "base_url: http://u:pw@x\nprofiles: {path: /p}\n", "base_url", 1, "credentials"},
		{"no endpoint", "base_url: http://x\n", "", 1, "at least one endpoint"},
		{"bad template", "base_url: http://x\nprofiles:\n  path: /p/{{.Key\n  per_key: true\n", "profiles.path", 3, "bad template"},
		{"unknown template field", "base_url: http://x\nprofiles:\n  path: /p\n  query: {ids: \"{{.Ids}}\"}\n  key: $.id\n", "profiles.query.ids", 4, "template fails"},
		{"body not json", "base_url: http://x\nprofiles:\n  path: /p\n  body: '{ids: {{.Keys}}}'\n  key: $.id\n", "profiles.body", 4, "valid JSON"},
		{"get with body", "base_url: http://x\nprofiles:\n  method: GET\n  path: /p\n  body: '{{json .Keys}}'\n", "profiles.body", 5, "POST"},
		{"keys unused", "base_url: http://x\nprofiles:\n  path: /p\n  key: $.id\n", "profiles.path", 3, "does not use {{.Keys}}"},
		{"key unused", "base_url: http://x\nprofiles:\n  per_key: true\n  path: /p\n", "profiles.path", 4, "does not use {{.Key}}"},
		{"batch without key", "base_url: http://x\nprofiles:\n  path: '/p/{{join .Keys \",\"}}'\n", "profiles.key", 3, "required"},
		{"bad jsonpath", "base_url: http://x\nprofiles:\n  path: '/p/{{join .Keys \",\"}}'\n  key: $.id\n  fields:\n    email: $.emails[\n", "profiles.fields.email", 6, "invalid JSONPath"},
		{"missing placed_at", "base_url: http://x\norders:\n  path: '/o/{{join .Keys \",\"}}'\n  customer_key: $.c\n  id: $.id\n", "orders.placed_at", 3, "required"},
		{"bad unit", "base_url: http://x\norders:\n  path: '/o/{{join .Keys \",\"}}'\n  customer_key: $.c\n  id: $.id\n  placed_at: $.t\n  total_unit: cents\n", "orders.total_unit", 7, "major"},
		{"pagination style", "base_url: http://x\nlist_profiles:\n  path: /p\n  key: $.id\n  pagination: {style: token}\n", "list_profiles.pagination.style", 5, "cursor, page, offset or link"},
		{"cursor needs next", "base_url: http://x\nlist_profiles:\n  path: /p\n  key: $.id\n  pagination: {style: cursor}\n", "list_profiles.pagination.next", 5, "required"},
		{"page size negative", "base_url: http://x\nlist_profiles:\n  path: /p\n  key: $.id\n  page_size: -1\n  pagination: {style: page}\n", "list_profiles.page_size", 5, "between 1 and 1000"},
		{"page size too big", "base_url: http://x\nlist_profiles:\n  path: /p\n  key: $.id\n  page_size: 5000\n  pagination: {style: page}\n", "list_profiles.page_size", 5, "between 1 and 1000"},
		{"total not a path", "base_url: http://x\nlist_profiles:\n  path: /p\n  key: $.id\n  pagination: {style: page, total: 12}\n", "list_profiles.pagination.total", 5, "JSONPath"},
		{"oauth2 without a token URL", "base_url: http://x\nauth: {type: oauth2}\nprofiles: {path: /p}\n", "auth.token_url", 2, "required for type oauth2"},
		{"auth field of another type", "base_url: http://x\nauth: {type: bearer, token: t, username: u}\nprofiles: {path: /p}\n", "auth.username", 2, "not used"},
		{"bad method", "base_url: http://x\nprofiles: {method: DELETE, path: /p}\n", "profiles.method", 2, "GET or POST"},
		{"wrong type", "base_url: http://x\nmax_concurrency: many\nprofiles: {path: /p}\n", "max_concurrency", 2, "cannot unmarshal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := connectortest.TryBuild("rest", tc.cfg, connectors.Env{})
			if err == nil {
				_ = c.Close()
				t.Fatal("built")
			}
			var ce *connectors.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("%v is not a *ConfigError", err)
			}
			if ce.Key != tc.key || ce.Line != tc.line || !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("got key %q line %d reason %q; want key %q line %d reason containing %q", ce.Key, ce.Line, ce.Reason, tc.key, tc.line, tc.reason)
			}
		})
	}
}

func TestSecretsNotPrinted(t *testing.T) {
	c := build(t, `
base_url: http://127.0.0.1:1
auth: {type: basic, username: u, password: PASSW0RD}
headers: {X-Api-Token: HEADERSECRET}
profiles: {path: /p, query: {ids: '{{join .Keys ","}}'}, key: $.id}
`, nil)
	for _, f := range []string{"%v", "%+v", "%#v"} {
		s := fmt.Sprintf(f, c)
		if strings.Contains(s, "PASSW0RD") || strings.Contains(s, "HEADERSECRET") {
			t.Errorf("%s prints a secret: %s", f, s)
		}
	}
}

func TestPerKeyConcurrency(t *testing.T) {
	var mu sync.Mutex
	inFlight, most, calls := 0, 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		calls++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		key := strings.TrimPrefix(r.URL.Path, "/c/")
		if key == "k5" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, `{"id": %q}`, key)
	}))
	defer srv.Close()
	c := build(t, "base_url: "+srv.URL+"\nmax_concurrency: 3\nprofiles: {per_key: true, path: '/c/{{.Key}}', key: $.id}\n", srv.Client())
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	out, err := c.Profiles(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range out {
		if (i == 5) != (p == nil) || (p != nil && p.Key != keys[i]) {
			t.Errorf("result %d = %+v", i, p)
		}
	}
	if most > 3 || calls != 20 {
		t.Errorf("%d calls, at most %d in flight; want 20 calls, at most 3", calls, most)
	}
}

func TestPerKeyFailureStopsTheBatch(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	c := build(t, "base_url: "+srv.URL+"\nmax_concurrency: 1\nprofiles: {per_key: true, path: '/c/{{.Key}}', key: $.id}\n", srv.Client())
	_, err := c.Profiles(context.Background(), []string{"a", "b", "c", "d"})
	if connectors.CodeOf(err) != connectors.CodeUnavailable {
		t.Fatalf("err = %v", err)
	}
	if calls != 1 {
		t.Errorf("%d calls after the first failure, want 1", calls)
	}
}

// TestConformanceOAuth2 runs the kit with the client-credentials grant: the
// vendor accepts the token its authorisation server issues.
func TestConformanceOAuth2(t *testing.T) {
	connectortest.Run(t, func(t *testing.T) *connectortest.Harness {
		v := newVendor(t)
		const secret = "client-s3cr3t-9f2"
		auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			id, got, ok := r.BasicAuth()
			if !ok || id != "harmony" || got != secret {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token": %q, "token_type": "Bearer", "expires_in": 3600}`, v.token)
		}))
		t.Cleanup(auth.Close)
		cfg := strings.Replace(v.config(), `auth: {type: bearer, token: "`+v.token+`"}`,
			`auth: {type: oauth2, token_url: "`+auth.URL+`/oauth/token", client_id: harmony, client_secret: "`+secret+`"}`, 1)
		if cfg == v.config() {
			t.Fatal("the vendor's configuration changed: update this test")
		}
		return &connectortest.Harness{
			Connector: connectortest.Build(t, "rest", cfg, connectors.Env{Name: "crm", HTTPClient: v.srv.Client()}),
			Known:     []string{"101", "102", "103"},
			Missing:   "999",
			Break:     v.Break,
			Heal:      v.Heal,
			Block:     v.Block,
			Secrets:   []string{v.token, secret},
		}
	})
}

// TestGoldenCases replays recorded upstream answers (testdata/cases; see
// connectortest.RunCases) and compares results and errors; go test -update
// rewrites the expected results.
func TestGoldenCases(t *testing.T) {
	connectortest.RunCases(t, "testdata/cases", connectors.Env{Name: "golden"})
}
