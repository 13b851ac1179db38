package calls_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/calls"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

const key = "calls-key"

func start(t *testing.T, n int) (*calls.Server, *population.Population) {
	t.Helper()
	pop := population.Generate(42, n)
	s, err := calls.New(t.Context(), pop, calls.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s, pop
}

func get(t *testing.T, s *calls.Server, path string, q url.Values) *http.Request {
	req := simtest.NewRequest(t, http.MethodGet, s.URL()+path+"?"+q.Encode(), nil)
	req.Header.Set("X-Api-Key", key)
	return req
}

func id(p *population.Person) string { return p.Key(population.Calls) }

func TestAuth(t *testing.T) {
	s, _ := start(t, 20)
	tests := []struct {
		name, key string
		want      int
	}{
		{"none", "", http.StatusUnauthorized},
		{"wrong", "nope", http.StatusUnauthorized},
		{"right", key, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := simtest.NewRequest(t, http.MethodGet, s.URL()+"/v1/calls?contact_ids=c_1", nil)
			if tc.key != "" {
				req.Header.Set("X-Api-Key", tc.key)
			}
			simtest.DoJSON(t, req, tc.want, nil)
		})
	}
}

func TestContactsGet(t *testing.T) {
	s, pop := start(t, 60)
	m := pop.Members(population.Calls)
	tests := []struct {
		name   string
		ids    string
		want   []string
		status int
	}{
		{"known in order, unknown omitted", id(m[3]) + ",c_999999," + id(m[0]) + "," + id(m[3]), []string{id(m[3]), id(m[0])}, http.StatusOK},
		{"101 ids", strings.Repeat("c_1,", 101), nil, http.StatusBadRequest},
		{"100 ids", strings.Repeat("c_1,", 100), []string{"c_1"}, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got struct {
				Contacts []calls.Contact `json:"contacts"`
			}
			simtest.DoJSON(t, get(t, s, "/v1/contacts", url.Values{"ids": {tc.ids}}), tc.status, &got)
			var ids []string
			for _, c := range got.Contacts {
				ids = append(ids, c.ID)
				if len(c.PhoneNumbers) != 1 || c.PhoneNumbers[0].Label != "mobile" || c.UpdatedAt == 0 {
					t.Errorf("contact %s: phone numbers %v, updated_at %d", c.ID, c.PhoneNumbers, c.UpdatedAt)
				}
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
				t.Errorf("ids = %v, want %v", ids, tc.want)
			}
		})
	}
	if got := s.Count("contacts.get"); got != int64(len(tests)) {
		t.Errorf("contacts.get count = %d, want %d", got, len(tests))
	}
}

func TestContactsListWalksAllOnce(t *testing.T) {
	s, pop := start(t, 80)
	want := len(pop.Members(population.Calls))
	for _, perPage := range []int{6, 100} {
		t.Run(fmt.Sprint("per_page ", perPage), func(t *testing.T) {
			s.Reset()
			seen := map[string]int{}
			pages := 0
			for page := 1; ; {
				var got struct {
					Contacts []calls.Contact `json:"contacts"`
					Meta     struct {
						Total       int  `json:"total"`
						CurrentPage int  `json:"current_page"`
						PerPage     int  `json:"per_page"`
						NextPage    *int `json:"next_page"`
					} `json:"meta"`
				}
				q := url.Values{"page": {fmt.Sprint(page)}, "per_page": {fmt.Sprint(perPage)}}
				simtest.DoJSON(t, get(t, s, "/v1/contacts", q), http.StatusOK, &got)
				pages++
				if got.Meta.Total != want || got.Meta.CurrentPage != page || got.Meta.PerPage != perPage {
					t.Fatalf("meta = %+v", got.Meta)
				}
				for _, c := range got.Contacts {
					seen[c.ID]++
				}
				if got.Meta.NextPage == nil {
					break
				}
				page = *got.Meta.NextPage
			}
			if len(seen) != want {
				t.Errorf("walked %d contacts, want %d", len(seen), want)
			}
			for cid, n := range seen {
				if n != 1 {
					t.Errorf("contact %s seen %d times", cid, n)
				}
			}
			if got := s.Count("contacts.list"); got != int64(pages) {
				t.Errorf("contacts.list count = %d, want %d", got, pages)
			}
		})
	}
	for _, q := range []url.Values{{"per_page": {"0"}}, {"page": {"0"}}} {
		simtest.DoJSON(t, get(t, s, "/v1/contacts", q), http.StatusBadRequest, nil)
	}
}

func TestCallsWindow(t *testing.T) {
	s, pop := start(t, 300)
	var busy, other, withRef *population.Person
	for _, p := range pop.Members(population.Calls) {
		if busy == nil && len(p.Calls) >= 5 {
			busy = p
		} else if other == nil && len(p.Calls) >= 1 {
			other = p
		}
		for _, c := range p.Calls {
			if c.Ref != "" && withRef == nil {
				withRef = p
			}
		}
	}
	if busy == nil || other == nil || withRef == nil {
		t.Fatal("population lacks people with enough calls")
	}
	cs := busy.Calls
	unix := func(i int) string { return fmt.Sprint(cs[i].StartedAt.Unix()) }
	ids := func(xs ...population.Call) []int64 {
		var out []int64
		for _, c := range xs {
			out = append(out, c.ID)
		}
		return out
	}
	tests := []struct {
		name string
		q    url.Values
		want []int64
	}{
		{"newest first, limit", url.Values{"contact_ids": {id(busy)}, "per_contact": {"3"}}, ids(cs[:3]...)},
		{"inclusive bounds", url.Values{"contact_ids": {id(busy)}, "from": {unix(3)}, "to": {unix(1)}}, ids(cs[1:4]...)},
		{"window and limit", url.Values{"contact_ids": {id(busy)}, "from": {unix(4)}, "to": {unix(1)}, "per_contact": {"2"}}, ids(cs[1:3]...)},
		{"grouped by contact", url.Values{"contact_ids": {id(other) + "," + id(busy)}, "per_contact": {"1"}}, ids(other.Calls[0], cs[0])},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got struct {
				Calls []calls.Call `json:"calls"`
			}
			simtest.DoJSON(t, get(t, s, "/v1/calls", tc.q), http.StatusOK, &got)
			var gotIDs []int64
			for _, c := range got.Calls {
				gotIDs = append(gotIDs, c.ID)
				if c.Status != "done" || c.EndedAt-c.StartedAt != int64(c.Duration) {
					t.Errorf("call %d: status %s, duration %d", c.ID, c.Status, c.Duration)
				}
			}
			if fmt.Sprint(gotIDs) != fmt.Sprint(tc.want) {
				t.Errorf("ids = %v, want %v", gotIDs, tc.want)
			}
		})
	}

	var got struct {
		Calls []calls.Call `json:"calls"`
	}
	simtest.DoJSON(t, get(t, s, "/v1/calls", url.Values{"contact_ids": {id(withRef)}, "per_contact": {"100"}}), http.StatusOK, &got)
	refs := 0
	for _, c := range got.Calls {
		if c.Ref != nil && strings.HasPrefix(*c.Ref, "T-") {
			refs++
		}
	}
	if refs == 0 {
		t.Errorf("no call carries a thread ref")
	}
	simtest.DoJSON(t, get(t, s, "/v1/calls", url.Values{"contact_ids": {id(busy)}, "from": {"monday"}}), http.StatusBadRequest, nil)
}

func TestInjection(t *testing.T) {
	s, _ := start(t, 20)
	req := func() *http.Request { return get(t, s, "/v1/contacts", url.Values{"ids": {"c_1"}}) }
	simtest.Injection(t, s, req)
	s.Reset()
	s.SetDown(true)
	simtest.DoJSON(t, req(), http.StatusServiceUnavailable, nil)
	s.SetDown(false)
	if got := s.Count("contacts.get"); got != 1 {
		t.Errorf("contacts.get count while down = %d, want 1", got)
	}
	simtest.Stopped(t, s, req)
}

func TestCallbacks(t *testing.T) {
	s, pop := start(t, 20)
	contact := id(pop.Members(population.Calls)[0])
	post := func(body string) *http.Request {
		req := simtest.NewRequest(t, http.MethodPost, s.URL()+"/v1/callbacks", json.RawMessage(body))
		req.Header.Set("X-Api-Key", key)
		return req
	}
	tests := []struct {
		name string
		body string
		want int
		// tasks is how many callback tasks exist after the request.
		tasks int
	}{
		{"scheduled", fmt.Sprintf(`{"contact_id":%q,"reason":"nps_detractor","idempotency_key":"k1"}`, contact), http.StatusCreated, 1},
		{"retry answers the first", fmt.Sprintf(`{"contact_id":%q,"reason":"nps_detractor","idempotency_key":"k1"}`, contact), http.StatusCreated, 1},
		{"another key", fmt.Sprintf(`{"contact_id":%q,"reason":"nps_detractor","idempotency_key":"k2"}`, contact), http.StatusCreated, 2},
		{"unknown contact", `{"contact_id":"c_nobody","reason":"x"}`, http.StatusNotFound, 2},
		{"no reason", fmt.Sprintf(`{"contact_id":%q}`, contact), http.StatusBadRequest, 2},
	}
	var first calls.Callback
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got calls.Callback
			simtest.DoJSON(t, post(tc.body), tc.want, &got)
			if n := len(s.Callbacks()); n != tc.tasks {
				t.Fatalf("%d callback tasks, want %d", n, tc.tasks)
			}
			switch i {
			case 0:
				first = got
				if got.Status != "scheduled" || got.ContactID != contact || got.ID == "" {
					t.Fatalf("answer %+v", got)
				}
			case 1:
				if got.ID != first.ID {
					t.Fatalf("retry answered %q, want the first task %q", got.ID, first.ID)
				}
			}
		})
	}
	if n := s.Count("callbacks.create"); n != int64(len(tests)) {
		t.Fatalf("callbacks.create counted %d requests, want %d", n, len(tests))
	}
}
