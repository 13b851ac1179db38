package helpdesk_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/helpdesk"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

var opts = helpdesk.Options{Email: "bot@test.example", Token: "tok"}

func start(t *testing.T, n int) (*helpdesk.Server, *population.Population) {
	t.Helper()
	pop := population.Generate(42, n)
	s, err := helpdesk.New(t.Context(), pop, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s, pop
}

func get(t *testing.T, s *helpdesk.Server, path string, q url.Values) *http.Request {
	req := simtest.NewRequest(t, http.MethodGet, s.URL()+path+"?"+q.Encode(), nil)
	req.SetBasicAuth(opts.User(), opts.Token)
	return req
}

func keys(ps ...*population.Person) string {
	var ks []string
	for _, p := range ps {
		ks = append(ks, p.Key(population.Helpdesk))
	}
	return strings.Join(ks, ",")
}

func TestAuth(t *testing.T) {
	s, _ := start(t, 20)
	tests := []struct {
		name       string
		user, pass string
		want       int
	}{
		{"none", "", "", http.StatusUnauthorized},
		{"user without /token", "bot@test.example", "tok", http.StatusUnauthorized},
		{"wrong token", "bot@test.example/token", "nope", http.StatusUnauthorized},
		{"right", "bot@test.example/token", "tok", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := simtest.NewRequest(t, http.MethodGet, s.URL()+"/api/v2/users.json", nil)
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			simtest.DoJSON(t, req, tc.want, nil)
		})
	}
}

func TestShowMany(t *testing.T) {
	s, pop := start(t, 60)
	m := pop.Members(population.Helpdesk)
	tests := []struct {
		name   string
		ids    string
		want   []string
		status int
	}{
		{"known in order, unknown omitted", keys(m[2]) + ",1," + keys(m[0]) + "," + keys(m[2]), []string{keys(m[2]), keys(m[0])}, http.StatusOK},
		{"empty", "", nil, http.StatusOK},
		{"not numeric is unknown", "abc," + keys(m[1]), []string{keys(m[1])}, http.StatusOK},
		{"101 ids", strings.Repeat("1,", 101), nil, http.StatusBadRequest},
		{"100 ids", strings.Repeat("1,", 100), nil, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got struct {
				Users []helpdesk.User `json:"users"`
			}
			simtest.DoJSON(t, get(t, s, "/api/v2/users/show_many.json", url.Values{"ids": {tc.ids}}), tc.status, &got)
			if tc.status != http.StatusOK {
				return
			}
			var ids []string
			for _, u := range got.Users {
				ids = append(ids, fmt.Sprint(u.ID))
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
				t.Errorf("ids = %v, want %v", ids, tc.want)
			}
		})
	}
	var got struct {
		Users []helpdesk.User `json:"users"`
	}
	simtest.DoJSON(t, get(t, s, "/api/v2/users/show_many.json", url.Values{"ids": {keys(m[0])}}), http.StatusOK, &got)
	rec := m[0].Records[population.Helpdesk]
	u := got.Users[0]
	if (u.Email == nil) != (rec.Email == "") || (u.WhatsApp == nil) != (rec.WhatsApp == "") || u.UpdatedAt != rec.UpdatedAt.UTC().Format(time.RFC3339) {
		t.Errorf("user fields do not match the record")
	}
}

func TestListWalksAllOnce(t *testing.T) {
	s, pop := start(t, 80)
	for _, size := range []int{7, 100} {
		t.Run(fmt.Sprint("size ", size), func(t *testing.T) {
			s.Reset()
			seen := map[int64]int{}
			pages, after := 0, ""
			for {
				q := url.Values{"page[size]": {fmt.Sprint(size)}}
				if after != "" {
					q.Set("page[after]", after)
				}
				var page struct {
					Users []helpdesk.User `json:"users"`
					Meta  struct {
						HasMore     bool    `json:"has_more"`
						AfterCursor *string `json:"after_cursor"`
					} `json:"meta"`
				}
				simtest.DoJSON(t, get(t, s, "/api/v2/users.json", q), http.StatusOK, &page)
				pages++
				for _, u := range page.Users {
					seen[u.ID]++
				}
				if !page.Meta.HasMore {
					break
				}
				after = *page.Meta.AfterCursor
			}
			if want := len(pop.Members(population.Helpdesk)); len(seen) != want {
				t.Errorf("walked %d users, want %d", len(seen), want)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("user %d seen %d times", id, n)
				}
			}
			if got := s.Count("users.list"); got != int64(pages) {
				t.Errorf("users.list count = %d, want %d", got, pages)
			}
		})
	}
	simtest.DoJSON(t, get(t, s, "/api/v2/users.json", url.Values{"page[size]": {"0"}}), http.StatusBadRequest, nil)
	simtest.DoJSON(t, get(t, s, "/api/v2/users.json", url.Values{"page[after]": {"!!"}}), http.StatusBadRequest, nil)
}

func TestConversationsWindow(t *testing.T) {
	s, pop := start(t, 200)
	var busy, other *population.Person
	for _, p := range pop.Members(population.Helpdesk) {
		switch {
		case busy == nil && len(p.Conversations) >= 5:
			busy = p
		case other == nil && len(p.Conversations) >= 2:
			other = p
		}
	}
	if busy == nil || other == nil {
		t.Fatal("population has nobody with enough conversations")
	}
	cv := busy.Conversations // newest first
	ts := func(i int) string { return cv[i].CreatedAt.UTC().Format(time.RFC3339) }
	ids := func(cs ...population.Conversation) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	tests := []struct {
		name string
		q    url.Values
		want []string
	}{
		{"all, newest first", url.Values{"user_ids": {keys(busy)}, "per_user": {"100"}}, ids(cv...)},
		{"per-user limit", url.Values{"user_ids": {keys(busy)}, "per_user": {"2"}}, ids(cv[:2]...)},
		{"inclusive bounds", url.Values{"user_ids": {keys(busy)}, "since": {ts(3)}, "until": {ts(1)}}, ids(cv[1:4]...)},
		{"window and limit", url.Values{"user_ids": {keys(busy)}, "since": {ts(4)}, "until": {ts(1)}, "per_user": {"2"}}, ids(cv[1:3]...)},
		{"grouped by user in input order", url.Values{"user_ids": {keys(other, busy) + ",42"}, "per_user": {"1"}}, ids(other.Conversations[0], cv[0])},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got struct {
				Conversations []helpdesk.Conversation `json:"conversations"`
			}
			simtest.DoJSON(t, get(t, s, "/api/v2/conversations.json", tc.q), http.StatusOK, &got)
			var gotIDs []string
			for _, c := range got.Conversations {
				gotIDs = append(gotIDs, c.ID)
				if c.ThreadRef == "" || c.CreatedAt == "" {
					t.Errorf("conversation %s lacks thread ref or time", c.ID)
				}
			}
			if fmt.Sprint(gotIDs) != fmt.Sprint(tc.want) {
				t.Errorf("ids = %v, want %v", gotIDs, tc.want)
			}
		})
	}
	for _, q := range []url.Values{
		{"user_ids": {keys(busy)}, "since": {"yesterday"}},
		{"user_ids": {keys(busy)}, "per_user": {"1001"}},
		{"user_ids": {strings.Repeat("1,", 101)}},
	} {
		simtest.DoJSON(t, get(t, s, "/api/v2/conversations.json", q), http.StatusBadRequest, nil)
	}
	if s.Count("conversations") != int64(len(tests)+3) {
		t.Errorf("conversations count = %d, want %d", s.Count("conversations"), len(tests)+3)
	}
}

func TestInjection(t *testing.T) {
	s, _ := start(t, 20)
	req := func() *http.Request { return get(t, s, "/api/v2/users/show_many.json", url.Values{"ids": {"1"}}) }
	simtest.Injection(t, s, req)
	simtest.Stopped(t, s, req)
}

// Solved conversations the customer rated carry a 1 to 5 rating that
// agrees with Zendesk's good or bad: 4 or 5 is good, 1 to 3 bad.
func TestSatisfactionRatings(t *testing.T) {
	s, pop := start(t, 200)
	seen := map[string]map[int]bool{"good": {}, "bad": {}}
	for _, p := range pop.Members(population.Helpdesk) {
		var got struct {
			Conversations []helpdesk.Conversation `json:"conversations"`
		}
		simtest.DoJSON(t, get(t, s, "/api/v2/conversations.json", url.Values{"user_ids": {keys(p)}, "per_user": {"1000"}}), http.StatusOK, &got)
		for i, c := range got.Conversations {
			sat := c.Satisfaction
			if sat == nil {
				if helpdesk.Rating(p.Conversations[i]) != 0 {
					t.Errorf("%s: not rated, yet Rating is %d", c.ID, helpdesk.Rating(p.Conversations[i]))
				}
				continue
			}
			good := sat.Rating >= 4 && sat.Rating <= 5
			bad := sat.Rating >= 1 && sat.Rating <= 3
			if c.Status != "solved" || c.SolvedAt == nil || (sat.Score == "good") != good || (sat.Score == "bad") != bad {
				t.Errorf("%s: status %s, score %s, rating %d", c.ID, c.Status, sat.Score, sat.Rating)
			}
			if sat.Rating != helpdesk.Rating(p.Conversations[i]) {
				t.Errorf("%s: rating %d, Rating says %d", c.ID, sat.Rating, helpdesk.Rating(p.Conversations[i]))
			}
			seen[sat.Score][sat.Rating] = true
		}
	}
	if len(seen["good"]) != 2 || len(seen["bad"]) != 3 {
		t.Errorf("ratings seen: %v, want 4 and 5 for good, 1 to 3 for bad", seen)
	}
}
