package mailing

import (
	"net/http"
	"sort"
	"strings"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Member is an audience member as the API writes it.
type Member struct {
	ID           string      `json:"id"`
	EmailAddress string      `json:"email_address"`
	Status       string      `json:"status"` // subscribed, unsubscribed
	MergeFields  MergeFields `json:"merge_fields"`
	Language     string      `json:"language"`
	LastChanged  string      `json:"last_changed"`
}

// MergeFields are the member's profile fields; empty ones are "".
type MergeFields struct {
	FName string `json:"FNAME"`
	LName string `json:"LNAME"`
	Phone string `json:"PHONE"`
}

type store struct {
	members []Member // ascending id
	byID    map[string]int
	events  map[string][]event // newest first
}

func newStore(pop *population.Population) *store {
	st := &store{byID: map[string]int{}, events: map[string][]event{}}
	for _, p := range pop.Members(population.Mailing) {
		rec := p.Records[population.Mailing]
		status := "subscribed"
		if !rec.Subscribed {
			status = "unsubscribed"
		}
		st.members = append(st.members, Member{
			ID:           rec.Key,
			EmailAddress: rec.Email,
			Status:       status,
			MergeFields:  MergeFields{FName: rec.GivenName, LName: rec.FamilyName, Phone: rec.Phone},
			Language:     p.Language,
			LastChanged:  simhttp.RFC3339(rec.UpdatedAt),
		})
		st.events[rec.Key] = activityOf(p)
	}
	sort.SliceStable(st.members, func(i, j int) bool { return st.members[i].ID < st.members[j].ID })
	for i, m := range st.members {
		st.byID[m.ID] = i
	}
	return st
}

type membersResponse struct {
	Members    []Member `json:"members"`
	TotalItems int      `json:"total_items"`
}

// memberID turns an id or e-mail address into a subscriber hash.
func memberID(id string) string {
	if strings.Contains(id, "@") {
		return population.SubscriberHash(id)
	}
	return strings.ToLower(id)
}

// membersRoute tells a batch get (with ids) from a page of the audience.
func membersRoute(r *http.Request) string {
	if r.URL.Query().Has("ids") {
		return "members.get"
	}
	return "members.list"
}

func (s *Server) members(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("list") != ListID {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such list")
		return
	}
	if r.URL.Query().Has("ids") {
		s.getMembers(w, r)
		return
	}
	count, err := simhttp.PageSize(r, "count", 10, 1000)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	offset, err := simhttp.IntParam(r, "offset", 0, 0, 1<<31-1)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	all := s.live()
	start, end := min(offset, len(all)), min(offset+count, len(all))
	simhttp.WriteJSON(w, http.StatusOK, membersResponse{
		Members:    append([]Member{}, all[start:end]...),
		TotalItems: len(all),
	})
}

func (s *Server) getMembers(w http.ResponseWriter, r *http.Request) {
	ids, err := simhttp.SplitIDs(r.URL.Query().Get("ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := membersResponse{Members: []Member{}}
	seen := map[int]bool{}
	for _, id := range ids {
		if i, ok := s.store.byID[memberID(id)]; ok && !seen[i] && !s.erased.has(s.store.members[i].ID) {
			seen[i] = true
			out.Members = append(out.Members, s.store.members[i])
		}
	}
	out.TotalItems = len(out.Members)
	simhttp.WriteJSON(w, http.StatusOK, out)
}
