package crm_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/crm"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

const token = "test-token"

func start(t *testing.T, n int) (*crm.Server, *population.Population) {
	t.Helper()
	pop := population.Generate(42, n)
	s, err := crm.New(t.Context(), pop, crm.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s, pop
}

func batchReq(t *testing.T, s *crm.Server, body any) *http.Request {
	req := simtest.NewRequest(t, http.MethodPost, s.URL()+"/crm/v3/objects/contacts/batch/read", body)
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

func listReq(t *testing.T, s *crm.Server, query string) *http.Request {
	req := simtest.NewRequest(t, http.MethodGet, s.URL()+"/crm/v3/objects/contacts?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

type batchResponse struct {
	Status  string        `json:"status"`
	Results []crm.Contact `json:"results"`
}

func inputs(ids ...string) map[string]any {
	in := []map[string]string{}
	for _, id := range ids {
		in = append(in, map[string]string{"id": id})
	}
	return map[string]any{"inputs": in}
}

func TestAuth(t *testing.T) {
	s, _ := start(t, 20)
	tests := []struct {
		name   string
		header string
		want   int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"wrong token", "Bearer nope", http.StatusUnauthorized},
		{"wrong scheme", "Basic " + token, http.StatusUnauthorized},
		{"right", "Bearer " + token, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := simtest.NewRequest(t, http.MethodGet, s.URL()+"/crm/v3/objects/contacts", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			simtest.DoJSON(t, req, tc.want, nil)
		})
	}
}

func TestBatchRead(t *testing.T) {
	s, pop := start(t, 60)
	members := pop.Members(population.CRM)
	a, b := members[3], members[0]
	tests := []struct {
		name    string
		body    any
		wantIDs []string
		check   func(t *testing.T, c crm.Contact)
	}{
		{
			name:    "known ids in input order, unknown omitted",
			body:    inputs(a.Key(population.CRM), "999999", b.Key(population.CRM), a.Key(population.CRM)),
			wantIDs: []string{a.Key(population.CRM), b.Key(population.CRM)},
			check: func(t *testing.T, c crm.Contact) {
				if len(c.Properties) != 8 || c.CreatedAt == "" || c.UpdatedAt == "" {
					t.Errorf("contact %s: %d properties, want all 8 and timestamps", c.ID, len(c.Properties))
				}
			},
		},
		{
			name: "properties filter",
			body: map[string]any{
				"inputs":     inputs(a.Key(population.CRM))["inputs"],
				"properties": []string{"firstname", "email", "no_such_property"},
			},
			wantIDs: []string{a.Key(population.CRM)},
			check: func(t *testing.T, c crm.Contact) {
				if _, ok := c.Properties["firstname"]; !ok || len(c.Properties) != 2 {
					t.Errorf("properties = %v, want firstname and email", c.Properties)
				}
				if got := c.Properties["firstname"]; got == nil || *got != a.GivenName {
					t.Errorf("firstname wrong")
				}
			},
		},
		{
			name:    "by e-mail, case-insensitive",
			body:    map[string]any{"idProperty": "email", "inputs": inputs(" " + strings.ToUpper(b.Email) + " ")["inputs"]},
			wantIDs: withEmail(b),
		},
		{
			name:    "empty batch",
			body:    inputs(),
			wantIDs: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got batchResponse
			simtest.DoJSON(t, batchReq(t, s, tc.body), http.StatusOK, &got)
			if got.Status != "COMPLETE" || got.Results == nil {
				t.Errorf("status %q, results nil %v", got.Status, got.Results == nil)
			}
			var ids []string
			for _, c := range got.Results {
				ids = append(ids, c.ID)
				if tc.check != nil {
					tc.check(t, c)
				}
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.wantIDs) {
				t.Errorf("ids = %v, want %v", ids, tc.wantIDs)
			}
		})
	}
}

// withEmail returns p's CRM key if the CRM knows p's e-mail.
func withEmail(p *population.Person) []string {
	if p.Records[population.CRM].Email == "" {
		return nil
	}
	return []string{p.Key(population.CRM)}
}

func TestBadRequests(t *testing.T) {
	s, _ := start(t, 20)
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprint(1001 + i)
	}
	tests := []struct {
		name string
		req  *http.Request
	}{
		{"101 inputs", batchReq(t, s, inputs(many...))},
		{"bad idProperty", batchReq(t, s, map[string]any{"idProperty": "phone", "inputs": []any{}})},
		{"not JSON", batchReq(t, s, "nope")},
		{"limit zero", listReq(t, s, "limit=0")},
		{"bad cursor", listReq(t, s, "after=abc")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			simtest.DoJSON(t, tc.req, http.StatusBadRequest, nil)
		})
	}
	simtest.DoJSON(t, batchReq(t, s, inputs(many[:100]...)), http.StatusOK, nil)
}

func TestListWalksAllOnce(t *testing.T) {
	s, pop := start(t, 80)
	tests := []struct {
		limit int
	}{{7}, {100}, {1}}
	for _, tc := range tests {
		t.Run(fmt.Sprint("limit ", tc.limit), func(t *testing.T) {
			s.Reset()
			seen := map[string]int{}
			pages, after := 0, ""
			for {
				q := fmt.Sprintf("limit=%d", tc.limit)
				if after != "" {
					q += "&after=" + after
				}
				var page struct {
					Results []crm.Contact `json:"results"`
					Paging  *struct {
						Next struct {
							After string `json:"after"`
						} `json:"next"`
					} `json:"paging"`
				}
				simtest.DoJSON(t, listReq(t, s, q), http.StatusOK, &page)
				pages++
				if len(page.Results) > tc.limit {
					t.Fatalf("page of %d, limit %d", len(page.Results), tc.limit)
				}
				for _, c := range page.Results {
					seen[c.ID]++
				}
				if page.Paging == nil {
					break
				}
				after = page.Paging.Next.After
			}
			members := pop.Members(population.CRM)
			if len(seen) != len(members) {
				t.Errorf("walked %d contacts, want %d", len(seen), len(members))
			}
			for _, p := range members {
				if seen[p.Key(population.CRM)] != 1 {
					t.Errorf("contact %s seen %d times", p.Key(population.CRM), seen[p.Key(population.CRM)])
				}
			}
			if got := s.Count("contacts.list"); got != int64(pages) {
				t.Errorf("contacts.list count = %d, want %d", got, pages)
			}
			if got := s.Count("contacts.batch_read"); got != 0 {
				t.Errorf("contacts.batch_read count = %d, want 0", got)
			}
		})
	}
}

func TestInjection(t *testing.T) {
	s, _ := start(t, 20)
	req := func() *http.Request { return batchReq(t, s, inputs("1001")) }
	simtest.Injection(t, s, req)
	simtest.Stopped(t, s, req)
}
