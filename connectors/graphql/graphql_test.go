package graphql_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/connectors/graphql"
)

// TestConformance runs the kit over the list batch style (and list_profiles,
// lookup); TestConformanceAliases over the aliases style.
func TestConformance(t *testing.T) {
	connectortest.Run(t, harness(func(s *server) string { return s.config() + privacyConfig }))
}

func TestConformanceAliases(t *testing.T) {
	connectortest.Run(t, harness(func(s *server) string { return s.aliasesConfig() }))
}

func harness(config func(s *server) string) func(t *testing.T) *connectortest.Harness {
	return func(t *testing.T) *connectortest.Harness {
		s := newServer(t)
		return &connectortest.Harness{
			Connector: connectortest.Build(t, "graphql", config(s), connectors.Env{Name: "shop", HTTPClient: s.srv.Client()}),
			Known:     []string{"gid://shop/Customer/1", "gid://shop/Customer/2", "gid://shop/Customer/3"},
			Missing:   "gid://shop/Customer/404",
			Break:     s.Break,
			Heal:      s.Heal,
			Block:     s.Block,
			Secrets:   []string{s.token},
			Identifiers: map[string]connectors.Identifier{
				"gid://shop/Customer/1": {Kind: connectors.IdentifierEmail, Value: "ana@example.com"},
				"gid://shop/Customer/3": {Kind: connectors.IdentifierEmail, Value: "carla@example.com"},
			},
			SentTo: s.sentTo,
		}
	}
}

func build(t *testing.T, s *server, cfg string) *graphql.Connector {
	t.Helper()
	return connectortest.Build(t, "graphql", cfg, connectors.Env{HTTPClient: s.srv.Client()}).(*graphql.Connector)
}

func TestMapping(t *testing.T) {
	s := newServer(t)
	c := build(t, s, s.config())
	ctx := context.Background()

	ps, err := c.Profiles(ctx, []string{"gid://shop/Customer/2", "nope", "gid://shop/Customer/1"})
	if err != nil {
		t.Fatal(err)
	}
	if ps[1] != nil || ps[0].Get(connectors.FieldGivenName) != "Bruno" || ps[0].Get(connectors.FieldEmail) != "" || ps[2].Get(connectors.FieldEmail) != "ana@example.com" {
		t.Errorf("profiles = %+v %+v %+v", ps[0], ps[1], ps[2])
	}

	os, err := c.Orders(ctx, []string{"gid://shop/Customer/3"}, connectors.Window{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	o := os[0][0]
	if o.Total != (connectors.Money{Minor: 199900, Currency: "EUR"}) || o.Channel != "online" || o.Status != "PENDING" ||
		len(o.Items) != 1 || o.Items[0].SKU != "" || o.Items[0].Name != "Gift card" || o.Items[0].UnitPrice.Minor != 199900 {
		t.Errorf("order = %+v", o)
	}

	is, err := c.Interactions(ctx, []string{"gid://shop/Customer/1"}, connectors.Window{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(is[0]) != 3 {
		t.Fatalf("interactions = %+v", is[0])
	}
	last := is[0][2] // oldest: c1
	if last.ID != "c1" || !last.OccurredAt.Equal(time.Unix(1706781600, 0)) || !last.ResolvedAt.Equal(time.Unix(1706785200, 0)) ||
		!last.FirstResponseAt.Equal(time.Unix(1706781900, 0)) || last.Type != "conversation" || last.ThreadRef != "c1" {
		t.Errorf("interaction = %+v", last)
	}
	if !is[0][1].ResolvedAt.IsZero() {
		t.Errorf("open conversation resolved: %+v", is[0][1])
	}
}

func TestVariables(t *testing.T) {
	s := newServer(t)
	c := build(t, s, s.config())
	since := time.Date(2024, 4, 2, 9, 0, 0, 500, time.UTC)
	if _, err := c.Orders(context.Background(), []string{"a", "b"}, connectors.Window{Since: since, Limit: 3}); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	vars := s.lastVars
	s.mu.Unlock()
	if keys, _ := vars["keys"].([]any); len(keys) != 2 || keys[0] != "a" {
		t.Errorf("keys = %v", vars["keys"])
	}
	if vars["since"] != "2024-04-02T09:00:00.0000005Z" {
		t.Errorf("since = %v", vars["since"])
	}
	if v, ok := vars["until"]; !ok || v != nil {
		t.Errorf("until = %v (present %v), want null", v, ok)
	}
	if _, ok := vars["limit"]; ok {
		t.Errorf("undeclared $limit sent")
	}
	if _, err := c.ListProfiles(context.Background(), "", 2); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	vars = s.lastVars
	s.mu.Unlock()
	if v, ok := vars["cursor"]; !ok || v != nil {
		t.Errorf("first page cursor = %v, want null", v)
	}
}

func TestErrors(t *testing.T) {
	s := newServer(t)
	c := build(t, s, s.config())
	for _, tc := range []struct {
		name   string
		status int
		body   string
		code   connectors.Code
	}{
		{"errors without data", 200, `{"errors": [{"message": "Customer ana@example.com is secret"}], "data": null}`, connectors.CodeBadResponse},
		{"throttled", 200, `{"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}`, connectors.CodeRateLimited},
		{"unauthenticated", 200, `{"errors": [{"message": "no", "extensions": {"code": "UNAUTHENTICATED"}}], "data": null}`, connectors.CodeUnauthorized},
		{"not graphql", 200, `[1, 2]`, connectors.CodeBadResponse},
		{"not json", 200, `<html>`, connectors.CodeBadResponse},
		{"no data", 200, `{}`, connectors.CodeBadResponse},
		{"bad record", 200, `{"data": {"customers": [{"firstName": "no id"}]}}`, connectors.CodeBadResponse},
		{"http 429", 429, `{}`, connectors.CodeRateLimited},
		{"http 403", 403, `{}`, connectors.CodeUnauthorized},
		{"http 400", 400, `{"errors": [{"message": "bad"}]}`, connectors.CodeRejected},
		{"http 502", 502, ``, connectors.CodeUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.mu.Lock()
			s.override = func(w http.ResponseWriter) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
				return true
			}
			s.mu.Unlock()
			defer func() { s.mu.Lock(); s.override = nil; s.mu.Unlock() }()
			_, err := c.Profiles(context.Background(), []string{"gid://shop/Customer/1"})
			var ce *connectors.Error
			if !errors.As(err, &ce) || ce.Code != tc.code {
				t.Fatalf("error %v, want code %s", err, tc.code)
			}
			for _, bad := range []string{"ana@example.com", s.token, "Customer/1"} {
				if strings.Contains(err.Error(), bad) {
					t.Errorf("error %q contains %q", err, bad)
				}
			}
		})
	}
	t.Run("partial data", func(t *testing.T) {
		s.mu.Lock()
		s.override = func(w http.ResponseWriter) bool {
			_, _ = w.Write([]byte(`{"errors": [{"message": "customer 2 hidden", "path": ["customers", 1]}],
				"data": {"customers": [{"id": "gid://shop/Customer/1", "firstName": "Ana"}, null]}}`))
			return true
		}
		s.mu.Unlock()
		defer func() { s.mu.Lock(); s.override = nil; s.mu.Unlock() }()
		out, err := c.Profiles(context.Background(), []string{"gid://shop/Customer/1", "gid://shop/Customer/2"})
		if err != nil {
			t.Fatal(err)
		}
		if out[0] == nil || out[0].Get(connectors.FieldGivenName) != "Ana" || out[1] != nil {
			t.Errorf("partial = %+v, %+v", out[0], out[1])
		}
	})
}

func TestConfigErrors(t *testing.T) {
	const head = "endpoint: http://x/graphql\n"
	for _, tc := range []struct {
		name, cfg string
		key       string
		line      int
		reason    string
	}{
		{"undeclared variable", head + "profiles:\n  query: |\n    query($keys: [ID!]!, $first: Int) { customers(ids: $keys, first: $first) { id } }\n  key: $.id\n",
			"profiles.query", 3, "declares variable $first"},
		{"window var in profiles", head + "profiles:\n  query: 'query($keys: [ID!]!, $since: DateTime) { c(ids: $keys) { id } }'\n  key: $.id\n",
			"profiles.query", 3, "declares variable $since"},
		{"missing keys", head + "orders:\n  query: 'query { orders { id } }'\n  customer_key: $.c\n  id: $.id\n  placed_at: $.t\n",
			"orders.query", 3, "must declare $keys"},
		{"keys not a list", head + "profiles:\n  query: 'query($keys: ID!) { c(ids: $keys) { id } }'\n  key: $.id\n",
			"profiles.query", 3, "must be a list"},
		{"non-null since", head + "orders:\n  query: 'query($keys: [ID!]!, $since: DateTime!) { o(ids: $keys, since: $since) { id } }'\n  customer_key: $.c\n  id: $.id\n  placed_at: $.t\n",
			"orders.query", 3, "must be nullable"},
		{"syntax", head + "profiles:\n  query: 'query($keys: [ID!]!) { c(ids: $keys) { id }'\n  key: $.id\n",
			"profiles.query", 3, "invalid GraphQL"},
		{"mutation", head + "profiles:\n  query: 'mutation($keys: [ID!]!) { c(ids: $keys) { id } }'\n  key: $.id\n",
			"profiles.query", 3, "must be a query"},
		{"two operations", head + "profiles:\n  query: 'query A($keys: [ID!]!) { c(ids: $keys) { id } } query B { x }'\n  key: $.id\n",
			"profiles.query", 3, "exactly one operation"},
		{"batch style", head + "profiles:\n  batch: fanout\n  query: 'query($keys: [ID!]!) { c(ids: $keys) { id } }'\n  key: $.id\n",
			"profiles.batch", 3, "must be list or aliases"},
		{"aliases needs key", head + "profiles:\n  batch: aliases\n  query: 'query($keys: [ID!]!) { c(ids: $keys) { id } }'\n",
			"profiles.query", 4, "declares variable $keys"},
		{"aliases key not a list", head + "profiles:\n  batch: aliases\n  query: 'query($key: [ID!]!) { c(id: $key) { id } }'\n",
			"profiles.query", 4, "one key, not a list"},
		{"aliases one field", head + "profiles:\n  batch: aliases\n  query: 'query($key: ID!) { c(id: $key) { id } d { id } }'\n",
			"profiles.query", 4, "exactly one top-level field"},
		{"aliases fragment uses key", head + "orders:\n  batch: aliases\n  query: 'query($key: ID!) { c(id: $key) { ...F } } fragment F on C { o(of: $key) { id } }'\n  id: $.id\n  placed_at: $.t\n",
			"orders.query", 4, "fragment F uses $key"},
		{"lookup no kind", head + "lookup:\n  query: 'query { s { id } }'\n  key: $.id\n", "lookup.query", 3, "at least one of $emails"},
		{"lookup key", head + "lookup:\n  query: 'query($emails: [String!]!) { s(emails: $emails) { id } }'\n", "lookup.key", 3, "required"},
		{"erase is a mutation", head + "erase:\n  mutation: 'query($keys: [ID!]!) { c(ids: $keys) { id } }'\n", "erase.mutation", 3, "must be a mutation"},
		{"erase found with list", head + "erase:\n  mutation: 'mutation($keys: [ID!]!) { e(ids: $keys) { ok } }'\n  found: $.data.e.ok\n", "erase.found", 4, "only with batch aliases"},
		{"export list key", head + "export:\n  query: 'query($keys: [ID!]!) { c(ids: $keys) { id } }'\n  records: $.data.c\n", "export.key", 3, "required with batch list"},
		{"send channels", head + "send:\n  mutation: 'mutation($messages: [M!]!) { s(m: $messages) { id } }'\n  records: $.data.s\n  message_id: $.id\n", "send.channels", 3, "required"},
		{"send records", head + "send:\n  channels: [sms]\n  mutation: 'mutation($messages: [M!]!) { s(m: $messages) { id } }'\n  message_id: $.id\n", "send.records", 3, "required for batch list"},
		{"send message field", head + "send:\n  channels: [sms]\n  mutation: 'mutation($messages: [M!]!) { s(m: $messages) { id } }'\n  message_fields: {to: recipient}\n  records: $.data.s\n  message_id: $.id\n",
			"send.message_fields.to", 5, "must be one of customer_key"},
		{"send aliases content", head + "send:\n  batch: aliases\n  channels: [sms]\n  mutation: 'mutation($customerKey: ID!) { s(to: $customerKey) { id } }'\n  message_id: $.data.s.id\n",
			"send.mutation", 5, "must declare $body or $template"},
		{"send aliases records", head + "send:\n  batch: aliases\n  channels: [sms]\n  mutation: 'mutation($customerKey: ID!, $body: String) { s(to: $customerKey, text: $body) { id } }'\n  records: $.data\n  message_id: $.data.s.id\n",
			"send.batch", 3, "for batch list"},
		{"list needs cursor", head + "list_profiles:\n  query: 'query($limit: Int!) { c(first: $limit) { id } }'\n  key: $.id\n  next_cursor: $.c.end\n",
			"list_profiles.query", 3, "must declare $cursor"},
		{"list needs next_cursor", head + "list_profiles:\n  query: 'query($limit: Int!, $cursor: String) { c(first: $limit, after: $cursor) { id } }'\n  key: $.id\n",
			"list_profiles.next_cursor", 3, "required"},
		{"bad jsonpath", head + "profiles:\n  query: 'query($keys: [ID!]!) { c(ids: $keys) { id } }'\n  key: $.id\n  updated_at: $..[\n",
			"profiles.updated_at", 5, "invalid JSONPath"},
		{"missing key", head + "profiles:\n  query: 'query($keys: [ID!]!) { c(ids: $keys) { id } }'\n",
			"profiles.key", 3, "required"},
		{"unknown key", head + "profiles:\n  query: 'query($keys: [ID!]!) { c(ids: $keys) { id } }'\n  variables: {a: 1}\n",
			"profiles.variables", 4, "unknown key"},
		{"endpoint", "endpoint: ftp://x\nprofiles: {query: 'query($keys: [ID!]!) { c(ids: $keys) { id } }', key: $.id}\n",
			"endpoint", 1, "http or https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := connectortest.TryBuild("graphql", tc.cfg, connectors.Env{})
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

// TestGoldenCases replays recorded upstream answers (testdata/cases; see
// connectortest.RunCases); go test -update rewrites the expected results.
// An aliases request carries the keys only as variables, one per distinct
// key, and the document repeats the field under k0, k1...
func TestAliasesRequest(t *testing.T) {
	s := newServer(t)
	c := build(t, s, s.aliasesConfig())
	const secretKey = "gid://shop/Customer/3"
	got, err := c.Profiles(context.Background(), []string{secretKey, "gid://shop/Customer/1", secretKey, "nope"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Get(connectors.FieldGivenName) != "Carla" || got[1].Key != "gid://shop/Customer/1" || got[2].Key != secretKey || got[3] != nil {
		t.Errorf("profiles = %+v %+v %+v %+v", got[0], got[1], got[2], got[3])
	}
	s.mu.Lock()
	doc, vars := s.lastDoc, s.lastVars
	s.mu.Unlock()
	if strings.Contains(doc, "Customer/") {
		t.Errorf("a key is spliced into the document:\n%s", doc)
	}
	for _, want := range []string{"k0: customer(id: $k0)", "k1: customer(id: $k1)", "k2: customer(id: $k2)", "$k2: ID!"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "k3") || len(vars) != 3 || vars["k0"] != secretKey || vars["k2"] != "nope" {
		t.Errorf("variables = %v: want one per distinct key", vars)
	}
}

// A send with aliases refuses only the message whose alias has an error;
// a repeated idempotency key returns the message already sent.
func TestSendAliases(t *testing.T) {
	s := newServer(t)
	ms := build(t, s, s.aliasesConfig())
	msgs := []connectors.OutboundMessage{
		{CustomerKey: "gid://shop/Customer/1", Channel: connectors.ChannelWhatsApp, Body: "Hi", IdempotencyKey: "a"},
		{CustomerKey: "gid://shop/Customer/404", Channel: connectors.ChannelSMS, Template: "t", Params: map[string]string{"x": "1"}},
		{CustomerKey: "gid://shop/Customer/2", Channel: connectors.ChannelEmail, Body: "never sent"},
		{CustomerKey: "gid://shop/Customer/3", Channel: connectors.ChannelSMS, Body: "Hello"},
	}
	got, err := ms.SendMessages(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].MessageID == "" || got[0].Status != "queued" || got[3].MessageID == "" || got[0].Err != nil || got[3].Err != nil {
		t.Errorf("sent = %+v, %+v", got[0], got[3])
	}
	for _, i := range []int{1, 2} {
		if got[i].Err == nil || got[i].Err.Code != connectors.CodeRejected || got[i].MessageID != "" {
			t.Errorf("message %d = %+v, want refused", i, got[i])
		} else if strings.Contains(got[i].Err.Error(), "recipient") {
			t.Errorf("message %d: the refusal repeats the system's words: %v", i, got[i].Err)
		}
	}
	if to, ok := s.sentTo(got[3].MessageID); !ok || to != "gid://shop/Customer/3" {
		t.Errorf("message 3 went to %q", to)
	}
	again, err := ms.SendMessages(context.Background(), msgs[:1])
	if err != nil || again[0].MessageID != got[0].MessageID || again[0].Status != "duplicate" {
		t.Errorf("retry = %+v, %v", again, err)
	}
}

// Erase and export fail on any GraphQL error, even beside data: an erasure
// or export must not report a failure as "nothing held".
func TestPrivacyStrict(t *testing.T) {
	s := newServer(t)
	for name, cfg := range map[string]string{"list": s.config() + privacyConfig, "aliases": s.aliasesConfig()} {
		t.Run(name, func(t *testing.T) {
			c := build(t, s, cfg)
			s.mu.Lock()
			s.override = func(w http.ResponseWriter) bool {
				_, _ = w.Write([]byte(`{"errors": [{"message": "internal", "path": ["k0"]}], "data": {"k0": null, "k1": null,
					"eraseCustomers": {"erasedIds": []}, "customerData": []}}`))
				return true
			}
			s.mu.Unlock()
			defer func() { s.mu.Lock(); s.override = nil; s.mu.Unlock() }()
			keys := []string{"gid://shop/Customer/1", "gid://shop/Customer/2"}
			if _, err := c.Erase(context.Background(), keys); connectors.CodeOf(err) != connectors.CodeBadResponse {
				t.Errorf("erase: %v, want %s", err, connectors.CodeBadResponse)
			}
			if _, err := c.Export(context.Background(), keys); connectors.CodeOf(err) != connectors.CodeBadResponse {
				t.Errorf("export: %v, want %s", err, connectors.CodeBadResponse)
			}
		})
	}
}

func TestGoldenCases(t *testing.T) {
	connectortest.RunCases(t, "testdata/cases", connectors.Env{Name: "golden"})
}
