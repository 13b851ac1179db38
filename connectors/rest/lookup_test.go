package rest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

// searchVendor is a HubSpot-like contacts search: filter groups of IN
// filters on email and phone, ORed.
type searchVendor struct {
	srv   *httptest.Server
	calls atomic.Int64
	mu    sync.Mutex
	asked map[string][]string // property -> values of the last call
}

func newSearchVendor(t *testing.T) *searchVendor {
	v := &searchVendor{}
	contacts := []map[string]any{
		{"id": "1", "properties": map[string]any{"email": "Ada@Example.com", "phone": "06 12 34 56 78", "firstname": "Ada"}},
		{"id": "2", "properties": map[string]any{"email": "alan@example.org", "phone": nil, "firstname": "Alan"}},
		{"id": "3", "properties": map[string]any{"email": nil, "phone": "+33 6 99 88 77 66", "firstname": "Grace"}},
	}
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.calls.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/crm/v3/objects/contacts/search" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, `{"message":"no"}`, http.StatusNotFound)
			return
		}
		var req struct {
			FilterGroups []struct {
				Filters []struct {
					PropertyName string   `json:"propertyName"`
					Values       []string `json:"values"`
				} `json:"filters"`
			} `json:"filterGroups"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"message":"bad json"}`, http.StatusBadRequest)
			return
		}
		asked := map[string][]string{}
		for _, g := range req.FilterGroups {
			for _, f := range g.Filters {
				asked[f.PropertyName] = append(asked[f.PropertyName], f.Values...)
			}
		}
		v.mu.Lock()
		v.asked = asked
		v.mu.Unlock()
		results := []map[string]any{}
		for _, c := range contacts {
			props := c["properties"].(map[string]any)
			email, _ := props["email"].(string)
			phone, _ := props["phone"].(string)
			hit := false
			for _, e := range asked["email"] {
				hit = hit || (email != "" && strings.EqualFold(e, email))
			}
			for _, p := range asked["phone"] {
				d := strings.TrimLeft(digits(phone), "0")
				hit = hit || (d != "" && strings.HasSuffix(digits(p), d))
			}
			if hit {
				results = append(results, c)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"results": results})
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *searchVendor) lastAsked() map[string][]string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.asked
}

const lookupConfig = `
auth: {type: bearer, token: tok}
lookup:
  method: POST
  path: /crm/v3/objects/contacts/search
  kinds: [email, phone]
  body: >-
    {"filterGroups": [
       {{- if .Emails}}{"filters": [{"propertyName": "email", "operator": "IN", "values": {{json .Emails}}}]}{{end}}
       {{- if and .Emails .Phones}},{{end}}
       {{- if .Phones}}{"filters": [{"propertyName": "phone", "operator": "IN", "values": {{json .Phones}}}]}{{end -}}
     ], "limit": 200}
  records: $.results
  key: $.id
  fields:
    given_name: $.properties.firstname
    email: $.properties.email
    phone: $.properties.phone
`

func TestLookup(t *testing.T) {
	v := newSearchVendor(t)
	c := build(t, "base_url: "+v.srv.URL+lookupConfig, v.srv.Client())
	if caps := connectors.Capabilities(c); !slices.Equal(caps, []connectors.Capability{connectors.CapLookup}) {
		t.Fatalf("capabilities = %v, want [lookup]", caps)
	}
	ids := []connectors.Identifier{
		{Kind: connectors.IdentifierEmail, Value: "ada@example.com"},
		{Kind: connectors.IdentifierPhone, Value: "+33699887766"},
		{Kind: connectors.IdentifierWhatsApp, Value: "+33612345678"}, // not a kind the endpoint searches
		{Kind: connectors.IdentifierEmail, Value: "nobody@example.com"},
	}
	got, err := c.FindProfiles(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range got {
		keys = append(keys, p.Key+"="+p.Get(connectors.FieldGivenName))
	}
	if want := []string{"1=Ada", "3=Grace"}; !slices.Equal(keys, want) {
		t.Errorf("records = %v, want %v", keys, want)
	}
	asked := v.lastAsked()
	if !slices.Equal(asked["email"], []string{"ada@example.com", "nobody@example.com"}) || !slices.Equal(asked["phone"], []string{"+33699887766"}) {
		t.Errorf("asked = %v: want the e-mails and the phone, and no WhatsApp ID", asked)
	}
	if n := v.calls.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}

	// E-mails only: the template leaves the phone group out.
	if _, err := c.FindProfiles(context.Background(), ids[:1]); err != nil {
		t.Fatal(err)
	}
	if asked := v.lastAsked(); len(asked["phone"]) != 0 || len(asked["email"]) != 1 {
		t.Errorf("asked = %v, want one e-mail", asked)
	}

	// Nothing of the endpoint's kinds: no request at all.
	before := v.calls.Load()
	got, err = c.FindProfiles(context.Background(), []connectors.Identifier{{Kind: connectors.IdentifierLoyaltyCard, Value: "LC1"}})
	if err != nil || len(got) != 0 || v.calls.Load() != before {
		t.Errorf("loyalty card only: %v, %v, %d requests; want nothing sent", got, err, v.calls.Load()-before)
	}
}

func TestLookupFailures(t *testing.T) {
	rec, srv := newRecorder(t)
	c := build(t, "base_url: "+srv.URL+lookupConfig, srv.Client())
	ids := []connectors.Identifier{{Kind: connectors.IdentifierEmail, Value: "secret.person@example.com"}}
	for _, tc := range []struct {
		status  int
		respond string
		code    connectors.Code
	}{
		{503, `{}`, connectors.CodeUnavailable},
		{401, `{}`, connectors.CodeUnauthorized},
		{200, `not json`, connectors.CodeBadResponse},
		{200, `{"results": [{"properties": {"email": "secret.person@example.com"}}]}`, connectors.CodeBadResponse}, // no key
	} {
		rec.mu.Lock()
		rec.status, rec.respond = tc.status, tc.respond
		rec.mu.Unlock()
		_, err := c.FindProfiles(context.Background(), ids)
		if connectors.CodeOf(err) != tc.code {
			t.Errorf("status %d %s: err = %v, want %s", tc.status, tc.respond, err, tc.code)
		}
		if err != nil && strings.Contains(err.Error(), "secret.person") {
			t.Errorf("the error repeats an identifier: %v", err)
		}
	}
}

func TestLookupPathTemplate(t *testing.T) {
	rec, srv := newRecorder(t)
	c := build(t, `
base_url: `+srv.URL+`
lookup:
  path: /users/search/{{index .Emails 0}}
  query: {phones: '{{join .Phones ","}}', kinds: '{{range $i, $id := .Identifiers}}{{if $i}},{{end}}{{$id.Kind}}{{end}}'}
  kinds: [phone, email]
  records: $.items
  key: $.id
`, srv.Client())
	_, err := c.FindProfiles(context.Background(), []connectors.Identifier{
		{Kind: connectors.IdentifierEmail, Value: "a/b@example.com"},
		{Kind: connectors.IdentifierPhone, Value: "+33612345678"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rec.last
	if got := r.URL.EscapedPath(); got != "/users/search/a%2Fb@example.com" {
		t.Errorf("path = %s", got)
	}
	if q := r.URL.Query(); q.Get("phones") != "+33612345678" || q.Get("kinds") != "email,phone" || r.Method != http.MethodGet {
		t.Errorf("%s query = %v", r.Method, q)
	}
}

func TestLookupConfigErrors(t *testing.T) {
	const ok = "  path: /s\n  body: '{{json .Emails}}'\n  key: $.id\n"
	for _, tc := range []struct {
		name, cfg string
		key       string
		line      int
		reason    string
	}{
		{"kinds required", "base_url: http://x\nlookup:\n" + ok, "lookup.kinds", 0, "required"},
		{"unknown kind", "base_url: http://x\nlookup:\n  kinds: [email, fax]\n" + ok, "lookup.kinds[1]", 3, "must be one of"},
		{"repeated kind", "base_url: http://x\nlookup:\n  kinds: [email, email]\n" + ok, "lookup.kinds[1]", 3, "repeats"},
		{"key required", "base_url: http://x\nlookup:\n  kinds: [email]\n  path: /s\n  body: '{{json .Emails}}'\n", "lookup.key", 0, "required"},
		{"identifiers unused", "base_url: http://x\nlookup:\n  kinds: [email]\n  path: /s\n  key: $.id\n", "lookup.path", 4, "does not use the identifiers"},
		{"keys are not lookup's", "base_url: http://x\nlookup:\n  kinds: [email]\n  path: /s\n  query: {q: '{{join .Keys \",\"}}{{join .Emails \",\"}}'}\n  key: $.id\n", "", 0, ""},
		{"unknown key", "base_url: http://x\nlookup:\n  kinds: [email]\n  per_key: true\n" + ok, "lookup.per_key", 4, "unknown key"},
		{"body not json", "base_url: http://x\nlookup:\n  kinds: [phone]\n  path: /s\n  body: '{{.Phones}}'\n  key: $.id\n", "lookup.body", 5, "valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := connectortest.TryBuild("rest", tc.cfg, connectors.Env{})
			if tc.reason == "" {
				// .Keys renders empty for a lookup: a valid, if odd, template.
				if err != nil {
					t.Fatal(err)
				}
				_ = c.Close()
				return
			}
			if err == nil {
				_ = c.Close()
				t.Fatal("built")
			}
			var ce *connectors.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("%v is not a *ConfigError", err)
			}
			if ce.Key != tc.key || (tc.line != 0 && ce.Line != tc.line) || ce.Line == 0 || !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("got key %q line %d reason %q; want key %q line %d reason containing %q", ce.Key, ce.Line, ce.Reason, tc.key, tc.line, tc.reason)
			}
		})
	}
}
