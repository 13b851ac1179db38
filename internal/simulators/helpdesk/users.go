package helpdesk

import (
	"encoding/base64"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// User is a helpdesk user as the API writes it.
type User struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Email     *string `json:"email"`
	Phone     *string `json:"phone"`
	WhatsApp  *string `json:"whatsapp"`
	UpdatedAt string  `json:"updated_at"`
}

type store struct {
	users []User // ascending id
	byID  map[int64]int
	convs map[int64][]population.Conversation // newest first
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newStore(pop *population.Population) *store {
	st := &store{byID: map[int64]int{}, convs: map[int64][]population.Conversation{}}
	for _, p := range pop.Members(population.Helpdesk) {
		rec := p.Records[population.Helpdesk]
		id, err := strconv.ParseInt(rec.Key, 10, 64)
		if err != nil {
			continue
		}
		st.users = append(st.users, User{
			ID:        id,
			Name:      strings.TrimSpace(rec.GivenName + " " + rec.FamilyName),
			Email:     optional(rec.Email),
			Phone:     optional(rec.Phone),
			WhatsApp:  optional(rec.WhatsApp),
			UpdatedAt: simhttp.RFC3339(rec.UpdatedAt),
		})
		st.convs[id] = p.Conversations
	}
	sort.SliceStable(st.users, func(i, j int) bool { return st.users[i].ID < st.users[j].ID })
	for i, u := range st.users {
		st.byID[u.ID] = i
	}
	return st
}

// numericIDs parses a comma-separated list of ids, dropping repeats and
// those that are not numbers (no user has them).
func numericIDs(list string) ([]int64, error) {
	ids, err := simhttp.SplitIDs(list)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(ids))
	for _, id := range simhttp.Dedupe(ids) {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

type usersResponse struct {
	Users []User `json:"users"`
	Meta  *meta  `json:"meta,omitempty"`
}

type meta struct {
	HasMore     bool    `json:"has_more"`
	AfterCursor *string `json:"after_cursor"`
}

func (s *Server) showMany(w http.ResponseWriter, r *http.Request) {
	ids, err := numericIDs(r.URL.Query().Get("ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := usersResponse{Users: []User{}}
	for _, id := range ids {
		if i, ok := s.store.byID[id]; ok && !s.erased.has(id) {
			out.Users = append(out.Users, s.store.users[i])
		}
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("u:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "u:") {
		return 0, errors.New("page[after] must be a cursor from meta.after_cursor")
	}
	n, err := strconv.ParseInt(string(b[2:]), 10, 64)
	if err != nil {
		return 0, errors.New("page[after] must be a cursor from meta.after_cursor")
	}
	return n, nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	size, err := simhttp.PageSize(r, "page[size]", 100, 100)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	start := 0
	if c := r.URL.Query().Get("page[after]"); c != "" {
		last, err := decodeCursor(c)
		if err != nil {
			simhttp.BadRequest(w, err)
			return
		}
		start = sort.Search(len(s.store.users), func(i int) bool { return s.store.users[i].ID > last })
	}
	end := min(start+size, len(s.store.users))
	out := usersResponse{Users: []User{}, Meta: &meta{HasMore: end < len(s.store.users)}}
	for _, u := range s.store.users[start:end] {
		if !s.erased.has(u.ID) {
			out.Users = append(out.Users, u)
		}
	}
	if end > start {
		c := encodeCursor(s.store.users[end-1].ID)
		out.Meta.AfterCursor = &c
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}
