package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/server"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/resolvers"

	"github.com/harmonyhq/harmony/internal/testlog"
)

// records is a system holding profile records by key.
type records map[string]map[string]string

func (records) Close() error { return nil }

func (r records) Profiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		if f, ok := r[k]; ok {
			out[i] = &connectors.Profile{Key: k, Fields: f}
		}
	}
	return out, nil
}

var _ connectors.ProfileSource = records{}

// newScopedServer serves one customer (cus_1: record crm-1001 of crm, record
// shop-7 of shop, e-mail jane.doe@example.com) to callers holding scopes.
func newScopedServer(t *testing.T, scopes ...string) *httptest.Server {
	t.Helper()
	ctx := t.Context()
	st := storetest.Open(t)
	now := time.Now().UTC()
	if _, err := st.AddCustomers(ctx, []store.Customer{{ID: "cus_1", CreatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	ids := []store.Identity{
		{Kind: store.KindExternalID, System: "crm", Value: "crm-1001", Rule: "new", Source: "crm"},
		{Kind: store.KindExternalID, System: "shop", Value: "shop-7", Rule: "email", Source: "shop"},
		{Kind: store.KindEmail, Value: "jane.doe@example.com", Rule: "record", Source: "crm"},
	}
	for i := range ids {
		ids[i].ID = store.IdentityID(ids[i].Kind, ids[i].System, ids[i].Value)
		ids[i].CustomerID, ids[i].Confidence, ids[i].LinkedAt = "cus_1", 1, now
	}
	if _, err := st.AddIdentities(ctx, ids); err != nil {
		t.Fatal(err)
	}
	crm := records{"crm-1001": {
		connectors.FieldGivenName:  "Jane",
		connectors.FieldFamilyName: "Doe",
		connectors.FieldEmail:      "jane.doe@example.com",
		connectors.FieldPhone:      "+33754415897",
		connectors.FieldBirthDate:  "1985-04-12",
		connectors.FieldCity:       "Lyon",
	}}
	shop := records{"shop-7": {
		connectors.FieldGivenName: "Janet",
		connectors.FieldEmail:     "j.doe@example.org",
	}}
	set, err := sources.NewSet(
		sources.New("crm", "go", crm, sources.Options{}, nil, nil),
		sources.New("shop", "go", shop, sources.Options{}, nil, nil),
	)
	if err != nil {
		t.Fatal(err)
	}
	off := false
	srv := server.New(server.Options{
		Log:       slog.New(slog.NewJSONHandler(testlog.Tee(io.Discard), nil)),
		Config:    config.Server{MaxBodyBytes: 8192, MaxDepth: 8, MaxComplexity: 1000, Playground: &off},
		Resolvers: &resolvers.Resolver{Store: st, Sources: set, Policy: identity.DefaultPolicy()},
		Loaders:   &loaders.Factory{Sources: set, Store: st},
		Ready:     func(context.Context) (bool, map[string]string) { return true, nil },
		Authenticate: func(*http.Request) (caller.Caller, error) {
			return caller.Caller{Name: "t", Scopes: scopes}, nil
		},
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

const customerQuery = `{ customer(id: "cus_1") {
  profile {
    givenName { value alternatives { value } } familyName { value }
    email { value alternatives { value } }
    phone { value } birthDate { value } city { value }
  }
  identities { kind system value }
} sources { name } }`

type gqlReply struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func query(t *testing.T, ts *httptest.Server, q string) gqlReply {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": q})
	r := post(t, ts, string(body))
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var out gqlReply
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return out
}

// at walks a decoded answer: keys for objects, ints for lists.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestPIIIsMaskedWithoutTheScope(t *testing.T) {
	tests := []struct {
		name   string
		scopes []string
		want   map[string]string
	}{
		{
			name:   "customers:read sees masked values",
			scopes: []string{caller.ScopeRead},
			want: map[string]string{
				"givenName": "J***", "familyName": "D***", "email": "j***@example.com",
				"phone": "+33*******97", "birthDate": "1985", "city": "***",
				"identity EXTERNAL_ID crm": "cr***", "identity EXTERNAL_ID shop": "sh***", "identity EMAIL": "j***@example.com",
				"givenName alternative": "J***", "email alternative": "j***@example.org",
			},
		},
		{
			name:   "pii:read sees clear values",
			scopes: []string{caller.ScopeRead, caller.ScopePIIRead},
			want: map[string]string{
				"givenName": "Jane", "familyName": "Doe", "email": "jane.doe@example.com",
				"phone": "+33754415897", "birthDate": "1985-04-12", "city": "Lyon",
				"identity EXTERNAL_ID crm": "crm-1001", "identity EXTERNAL_ID shop": "shop-7", "identity EMAIL": "jane.doe@example.com",
				"givenName alternative": "Janet", "email alternative": "j.doe@example.org",
			},
		},
		{
			name:   "admin sees clear values",
			scopes: []string{caller.ScopeAdmin},
			want: map[string]string{
				"givenName": "Jane", "email": "jane.doe@example.com", "phone": "+33754415897",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newScopedServer(t, tt.scopes...)
			out := query(t, ts, customerQuery)
			if len(out.Errors) > 0 {
				t.Fatalf("errors: %+v", out.Errors)
			}
			got := map[string]string{}
			profile := at(out.Data, "customer", "profile")
			for _, f := range []string{"givenName", "familyName", "email", "phone", "birthDate", "city"} {
				got[f], _ = at(profile, f, "value").(string)
				if alt, ok := at(profile, f, "alternatives", 0, "value").(string); ok {
					got[f+" alternative"] = alt
				}
			}
			for _, id := range at(out.Data, "customer", "identities").([]any) {
				name := "identity " + at(id, "kind").(string)
				if sys, ok := at(id, "system").(string); ok {
					name += " " + sys
				}
				got[name], _ = at(id, "value").(string)
			}
			for k, want := range tt.want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
		})
	}
}

func TestScopesGuardFields(t *testing.T) {
	const merge = `mutation { mergeCustomers(input: {survivorId: "cus_1", mergedId: "cus_2"}) { mergedId } }`
	tests := []struct {
		name          string
		scopes        []string
		query         string
		wantForbidden string // the path's first element, "" for none
		wantData      string // a key of data that must be answered
	}{
		{"no scope: customer forbidden, sources answers", nil, customerQuery, "customer", "sources"},
		{"pii:read alone does not read customers", []string{caller.ScopePIIRead}, customerQuery, "customer", "sources"},
		{"customers:read reads", []string{caller.ScopeRead}, customerQuery, "", "customer"},
		{"customers:read cannot merge", []string{caller.ScopeRead}, merge, "mergeCustomers", ""},
		{"segments:write cannot merge", []string{caller.ScopeRead, caller.ScopeSegmentsWrite}, merge, "mergeCustomers", ""},
		{"customers:read cannot save segments", []string{caller.ScopeRead},
			`mutation { saveSegment(name: "x", filter: {minOrders: 1}) { id } }`, "saveSegment", ""},
		{"customers:read lists segments", []string{caller.ScopeRead}, `{ segments { id } }`, "", "segments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newScopedServer(t, tt.scopes...)
			out := query(t, ts, tt.query)
			var forbidden []string
			for _, e := range out.Errors {
				if e.Extensions["code"] == "FORBIDDEN" {
					if len(e.Path) > 0 {
						forbidden = append(forbidden, e.Path[0].(string))
					}
					if strings.Contains(e.Message, "@") {
						t.Errorf("message carries data: %q", e.Message)
					}
				} else {
					t.Errorf("unexpected error: %+v", e)
				}
			}
			switch {
			case tt.wantForbidden == "" && len(forbidden) > 0:
				t.Errorf("forbidden %v, want none", forbidden)
			case tt.wantForbidden != "" && (len(forbidden) != 1 || forbidden[0] != tt.wantForbidden):
				t.Errorf("forbidden %v, want [%s]", forbidden, tt.wantForbidden)
			}
			if tt.wantForbidden != "" && out.Data != nil && out.Data[tt.wantForbidden] != nil {
				t.Errorf("%s answered %v despite the refusal", tt.wantForbidden, out.Data[tt.wantForbidden])
			}
			if tt.wantData != "" && out.Data[tt.wantData] == nil {
				t.Errorf("data.%s missing: %+v", tt.wantData, out.Data)
			}
		})
	}
}
