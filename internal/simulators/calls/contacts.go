package calls

import (
	"net/http"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Contact is a contact as the API writes it.
type Contact struct {
	ID           string    `json:"id"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	PhoneNumbers []Labeled `json:"phone_numbers"`
	Emails       []Labeled `json:"emails"`
	UpdatedAt    int64     `json:"updated_at"`
}

// Labeled is a labelled phone number or e-mail address.
type Labeled struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

type store struct {
	contacts []Contact // key order
	byID     map[string]int
	calls    map[string][]population.Call // newest first
}

func newStore(pop *population.Population) *store {
	st := &store{byID: map[string]int{}, calls: map[string][]population.Call{}}
	for _, p := range pop.Members(population.Calls) {
		rec := p.Records[population.Calls]
		c := Contact{
			ID:           rec.Key,
			FirstName:    rec.GivenName,
			LastName:     rec.FamilyName,
			PhoneNumbers: []Labeled{},
			Emails:       []Labeled{},
			UpdatedAt:    rec.UpdatedAt.Unix(),
		}
		if rec.Phone != "" {
			c.PhoneNumbers = append(c.PhoneNumbers, Labeled{Label: "mobile", Value: rec.Phone})
		}
		if rec.Email != "" {
			c.Emails = append(c.Emails, Labeled{Label: "work", Value: rec.Email})
		}
		st.byID[c.ID] = len(st.contacts)
		st.contacts = append(st.contacts, c)
		st.calls[c.ID] = p.Calls
	}
	return st
}

type contactsResponse struct {
	Contacts []Contact `json:"contacts"`
	Meta     *meta     `json:"meta,omitempty"`
}

type meta struct {
	Total       int  `json:"total"`
	CurrentPage int  `json:"current_page"`
	PerPage     int  `json:"per_page"`
	NextPage    *int `json:"next_page"`
}

func (s *Server) contacts(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("ids") {
		s.getContacts(w, r)
		return
	}
	page, err := simhttp.IntParam(r, "page", 1, 1, 1<<31-1)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	perPage, err := simhttp.PageSize(r, "per_page", 20, 100)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	all := s.store.contacts
	if s.erased.Len() > 0 {
		all = make([]Contact, 0, len(s.store.contacts))
		for _, c := range s.store.contacts {
			if !s.erased.Has(c.ID) {
				all = append(all, c)
			}
		}
	}
	start := min((page-1)*perPage, len(all))
	end := min(start+perPage, len(all))
	out := contactsResponse{
		Contacts: append([]Contact{}, all[start:end]...),
		Meta:     &meta{Total: len(all), CurrentPage: page, PerPage: perPage},
	}
	if end < len(all) {
		next := page + 1
		out.Meta.NextPage = &next
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) getContacts(w http.ResponseWriter, r *http.Request) {
	ids, err := simhttp.SplitIDs(r.URL.Query().Get("ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := contactsResponse{Contacts: []Contact{}}
	for _, id := range simhttp.Dedupe(ids) {
		if i, ok := s.store.byID[id]; ok && !s.erased.Has(id) {
			out.Contacts = append(out.Contacts, s.store.contacts[i])
		}
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}
