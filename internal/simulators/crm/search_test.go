package crm_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/crm"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

func searchReq(t *testing.T, s *crm.Server, body any) *http.Request {
	req := simtest.NewRequest(t, http.MethodPost, s.URL()+"/crm/v3/objects/contacts/search", body)
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

func in(property string, values ...string) map[string]any {
	return map[string]any{"filters": []map[string]any{{"propertyName": property, "operator": "IN", "values": values}}}
}

type searchResponse struct {
	Total   int           `json:"total"`
	Results []crm.Contact `json:"results"`
}

func TestSearch(t *testing.T) {
	s, pop := start(t, 200)
	// People whose CRM record has an e-mail, and others whose CRM phone is
	// written another way than E.164 (national or spaced).
	var byEmail, byPhone []*population.Person
	for _, p := range pop.Members(population.CRM) {
		rec := p.Records[population.CRM]
		switch {
		case len(byEmail) < 3 && rec.Email != p.Email && strings.EqualFold(strings.TrimSpace(rec.Email), p.Email):
			byEmail = append(byEmail, p)
		case len(byPhone) < 3 && rec.Phone != "" && rec.Phone != p.Phone && rec.Email == "":
			byPhone = append(byPhone, p)
		}
	}
	if len(byEmail) < 3 || len(byPhone) < 1 {
		t.Fatalf("population too small: %d by e-mail, %d by phone", len(byEmail), len(byPhone))
	}
	var emails, phones, want []string
	for _, p := range byEmail {
		emails = append(emails, p.Email) // canonical: lower case, where the CRM writes mixed case
		want = append(want, p.Key(population.CRM))
	}
	for _, p := range byPhone {
		phones = append(phones, p.Phone) // E.164, where the CRM writes it as people do
		want = append(want, p.Key(population.CRM))
	}
	emails = append(emails, "nobody@example.invalid")
	var got searchResponse
	simtest.DoJSON(t, searchReq(t, s, map[string]any{
		"filterGroups": []any{in("email", emails...), in("phone", phones...)},
		"properties":   []string{"firstname", "email", "phone"},
		"limit":        100,
	}), http.StatusOK, &got)
	var ids []string
	for _, c := range got.Results {
		ids = append(ids, c.ID)
		if len(c.Properties) != 3 || c.UpdatedAt == "" {
			t.Errorf("contact %s: properties %v, want the 3 asked, and timestamps", c.ID, c.Properties)
		}
	}
	slices.Sort(ids)
	slices.Sort(want)
	want = slices.Compact(want)
	// Shared inboxes and numbers may find more people; every one asked
	// about must be there.
	for _, w := range want {
		if !slices.Contains(ids, w) {
			t.Errorf("contact %s not found; got %v", w, ids)
		}
	}
	if got.Total != len(got.Results) {
		t.Errorf("total %d for %d results", got.Total, len(got.Results))
	}
	if n := s.Count("contacts.search"); n != 1 {
		t.Errorf("contacts.search count = %d, want 1", n)
	}

	// The limit cuts the results, not the total.
	simtest.DoJSON(t, searchReq(t, s, map[string]any{"filterGroups": []any{in("email", emails...)}, "limit": 1}), http.StatusOK, &got)
	if len(got.Results) != 1 || got.Total < 3 {
		t.Errorf("limit 1: %d results, total %d", len(got.Results), got.Total)
	}
}

func TestSearchRefusesBadRequests(t *testing.T) {
	s, _ := start(t, 20)
	for name, body := range map[string]any{
		"no groups":       map[string]any{"filterGroups": []any{}},
		"other property":  map[string]any{"filterGroups": []any{in("city", "Paris")}},
		"other operator":  map[string]any{"filterGroups": []any{map[string]any{"filters": []map[string]any{{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "a"}}}}},
		"no values":       map[string]any{"filterGroups": []any{in("email")}},
		"limit too large": map[string]any{"filterGroups": []any{in("email", "a@b.c")}, "limit": 1000},
	} {
		t.Run(name, func(t *testing.T) {
			simtest.DoJSON(t, searchReq(t, s, body), http.StatusBadRequest, nil)
		})
	}
	if n := s.Count("contacts.search"); n != 5 {
		t.Errorf("contacts.search count = %d, want 5 (refused requests count too)", n)
	}
}
