package crm

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Contact is a contact as the API writes it.
type Contact struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
	CreatedAt  string             `json:"createdAt"`
	UpdatedAt  string             `json:"updatedAt"`
}

type store struct {
	contacts []Contact // ascending numeric id
	byID     map[string]int
	byEmail  map[string]int // lower-cased trimmed e-mail
	numIDs   []int64
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newStore(pop *population.Population) *store {
	st := &store{byID: map[string]int{}, byEmail: map[string]int{}}
	for _, p := range pop.Members(population.CRM) {
		rec := p.Records[population.CRM]
		c := Contact{
			ID: rec.Key,
			Properties: map[string]*string{
				"firstname":     optional(rec.GivenName),
				"lastname":      optional(rec.FamilyName),
				"email":         optional(rec.Email),
				"phone":         optional(rec.Phone),
				"city":          optional(p.City),
				"country":       optional(p.Country),
				"date_of_birth": optional(p.BirthDate),
				"hs_language":   optional(p.Language),
			},
			CreatedAt: simhttp.RFC3339(rec.CreatedAt),
			UpdatedAt: simhttp.RFC3339(rec.UpdatedAt),
		}
		st.contacts = append(st.contacts, c)
	}
	sort.SliceStable(st.contacts, func(i, j int) bool { return idNum(st.contacts[i].ID) < idNum(st.contacts[j].ID) })
	for i, c := range st.contacts {
		st.byID[c.ID] = i
		st.numIDs = append(st.numIDs, idNum(c.ID))
		if e := c.Properties["email"]; e != nil {
			st.byEmail[strings.ToLower(strings.TrimSpace(*e))] = i
		}
	}
	return st
}

func idNum(id string) int64 {
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}

// project returns c with only the properties asked for (all when none).
func project(c Contact, props []string) Contact {
	if len(props) == 0 {
		return c
	}
	out := c
	out.Properties = map[string]*string{}
	for _, name := range props {
		if v, known := c.Properties[name]; known {
			out.Properties[name] = v
		}
	}
	return out
}

type batchReadRequest struct {
	Inputs []struct {
		ID string `json:"id"`
	} `json:"inputs"`
	Properties []string `json:"properties"`
	IDProperty string   `json:"idProperty"`
}

type batchReadResponse struct {
	Status  string    `json:"status"`
	Results []Contact `json:"results"`
}

func (s *Server) batchRead(w http.ResponseWriter, r *http.Request) {
	var req batchReadRequest
	if err := simhttp.DecodeJSON(w, r, &req); err != nil {
		simhttp.BadRequest(w, errors.New("body must be JSON with an inputs array"))
		return
	}
	if len(req.Inputs) > simhttp.MaxBatch {
		simhttp.BadRequest(w, errors.New("at most 100 inputs per batch"))
		return
	}
	index := s.store.byID
	norm := func(id string) string { return strings.TrimSpace(id) }
	switch req.IDProperty {
	case "", "hs_object_id":
	case "email":
		index = s.store.byEmail
		norm = func(id string) string { return strings.ToLower(strings.TrimSpace(id)) }
	default:
		simhttp.BadRequest(w, errors.New("idProperty must be hs_object_id or email"))
		return
	}
	ids := make([]string, 0, len(req.Inputs))
	for _, in := range req.Inputs {
		ids = append(ids, norm(in.ID))
	}
	out := batchReadResponse{Status: "COMPLETE", Results: []Contact{}}
	seen := map[int]bool{}
	for _, id := range ids {
		i, ok := index[id]
		if !ok || seen[i] || s.erased.has(s.store.contacts[i].ID) {
			continue
		}
		seen[i] = true
		out.Results = append(out.Results, project(s.store.contacts[i], req.Properties))
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

type listResponse struct {
	Results []Contact `json:"results"`
	Paging  *paging   `json:"paging,omitempty"`
}

type paging struct {
	Next struct {
		After string `json:"after"`
	} `json:"next"`
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	limit, err := simhttp.PageSize(r, "limit", 10, 100)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	start := 0
	if after := r.URL.Query().Get("after"); after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			simhttp.BadRequest(w, errors.New("after must be a cursor from paging.next.after"))
			return
		}
		// The cursor is the first id of the next page.
		start = sort.Search(len(s.store.numIDs), func(i int) bool { return s.store.numIDs[i] >= n })
	}
	var props []string
	if p := r.URL.Query().Get("properties"); p != "" {
		props = strings.Split(p, ",")
	}
	// updatedSince keeps the contacts changed at or after a time, and
	// pages through those only.
	var since time.Time
	if v := r.URL.Query().Get("updatedSince"); v != "" {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			simhttp.BadRequest(w, errors.New("updatedSince must be an RFC 3339 time"))
			return
		}
	}
	changed := func(c Contact) bool {
		at, err := time.Parse(time.RFC3339, c.UpdatedAt)
		return since.IsZero() || err != nil || !at.Before(since)
	}
	out := listResponse{Results: make([]Contact, 0, limit)}
	i, taken := start, 0
	for ; i < len(s.store.contacts) && taken < limit; i++ {
		c := s.store.contacts[i]
		if !changed(c) {
			continue
		}
		taken++
		if !s.erased.has(c.ID) {
			out.Results = append(out.Results, project(c, props))
		}
	}
	for i < len(s.store.contacts) && !changed(s.store.contacts[i]) {
		i++
	}
	if i < len(s.store.contacts) {
		out.Paging = &paging{}
		out.Paging.Next.After = s.store.contacts[i].ID
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

// searchRequest is the body of a contacts search. Filter groups are ORed,
// the filters of one group ANDed.
type searchRequest struct {
	FilterGroups []struct {
		Filters []searchFilter `json:"filters"`
	} `json:"filterGroups"`
	Properties []string `json:"properties"`
	Limit      int      `json:"limit"`
}

type searchFilter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        string   `json:"value"`
	Values       []string `json:"values"`
}

type searchResponse struct {
	Total   int       `json:"total"`
	Results []Contact `json:"results"`
}

// Search bounds.
const (
	maxFilterGroups = 5
	maxSearchValues = simhttp.MaxBatch
	maxSearchLimit  = 200
)

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	var req searchRequest
	if err := simhttp.DecodeJSON(w, r, &req); err != nil {
		simhttp.BadRequest(w, errors.New("body must be JSON with filterGroups"))
		return
	}
	if len(req.FilterGroups) == 0 || len(req.FilterGroups) > maxFilterGroups {
		simhttp.BadRequest(w, errors.New("1 to 5 filterGroups"))
		return
	}
	limit := req.Limit
	switch {
	case limit == 0:
		limit = 10
	case limit < 0 || limit > maxSearchLimit:
		simhttp.BadRequest(w, errors.New("limit must be from 1 to 200"))
		return
	}
	var groups [][]func(Contact) bool
	for _, g := range req.FilterGroups {
		if len(g.Filters) == 0 {
			simhttp.BadRequest(w, errors.New("a filter group without filters"))
			return
		}
		var preds []func(Contact) bool
		for _, f := range g.Filters {
			pred, err := filterOf(f)
			if err != nil {
				simhttp.BadRequest(w, err)
				return
			}
			preds = append(preds, pred)
		}
		groups = append(groups, preds)
	}
	out := searchResponse{Results: []Contact{}}
	for _, c := range s.store.contacts {
		if !s.erased.has(c.ID) && matchesAny(c, groups) {
			out.Total++
			if len(out.Results) < limit {
				out.Results = append(out.Results, project(c, req.Properties))
			}
		}
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

func matchesAny(c Contact, groups [][]func(Contact) bool) bool {
	for _, g := range groups {
		all := true
		for _, pred := range g {
			if !pred(c) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// filterOf compiles one filter: EQ or IN on email (case-insensitive) or
// phone (by digits, as people write numbers in many ways).
func filterOf(f searchFilter) (func(Contact) bool, error) {
	var values []string
	switch f.Operator {
	case "EQ":
		values = []string{f.Value}
	case "IN":
		values = f.Values
	default:
		return nil, errors.New("operator must be EQ or IN")
	}
	if len(values) == 0 || len(values) > maxSearchValues {
		return nil, errors.New("1 to 100 values per filter")
	}
	var match func(stored string) bool
	switch f.PropertyName {
	case "email":
		want := map[string]bool{}
		for _, v := range values {
			want[strings.ToLower(strings.TrimSpace(v))] = true
		}
		match = func(stored string) bool { return want[strings.ToLower(strings.TrimSpace(stored))] }
	case "phone":
		var want []string
		for _, v := range values {
			if d := digits(v); d != "" {
				want = append(want, d)
			}
		}
		match = func(stored string) bool {
			for _, w := range want {
				if samePhone(w, stored) {
					return true
				}
			}
			return false
		}
	default:
		return nil, errors.New("propertyName must be email or phone")
	}
	return func(c Contact) bool {
		v := c.Properties[f.PropertyName]
		return v != nil && match(*v)
	}, nil
}

func digits(v string) string {
	var b strings.Builder
	for _, r := range v {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// samePhone reports whether a phone number asked for (its digits, usually
// international) is the number stored, written as people write it:
// international ("+33 6 12 34 56 78"), with the international prefix
// ("0033..."), or national with or without the trunk zero ("06 12 34 56
// 78"). The stored digits, without leading zeros, must end the asked ones;
// at least eight of them, so a short number matches nothing by chance.
func samePhone(asked, stored string) bool {
	s := strings.TrimLeft(digits(stored), "0")
	a := strings.TrimLeft(asked, "0")
	return len(s) >= 8 && strings.HasSuffix(a, s)
}
