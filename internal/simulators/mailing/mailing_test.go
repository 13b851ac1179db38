package mailing_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/mailing"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

const key = "k-us21"

func start(t *testing.T, n int) (*mailing.Server, *population.Population) {
	t.Helper()
	pop := population.Generate(42, n)
	s, err := mailing.New(t.Context(), pop, mailing.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s, pop
}

func get(t *testing.T, s *mailing.Server, path string, q url.Values) *http.Request {
	req := simtest.NewRequest(t, http.MethodGet, s.URL()+path+"?"+q.Encode(), nil)
	req.SetBasicAuth("anyone", key)
	return req
}

func hash(p *population.Person) string { return p.Key(population.Mailing) }

type membersPage struct {
	Members    []mailing.Member `json:"members"`
	TotalItems int              `json:"total_items"`
}

func TestAuth(t *testing.T) {
	s, _ := start(t, 20)
	tests := []struct {
		name string
		set  func(r *http.Request)
		want int
	}{
		{"none", func(*http.Request) {}, http.StatusUnauthorized},
		{"wrong key", func(r *http.Request) { r.SetBasicAuth("anyone", "nope") }, http.StatusUnauthorized},
		{"bearer is not basic", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }, http.StatusUnauthorized},
		{"any user", func(r *http.Request) { r.SetBasicAuth("x", key) }, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := simtest.NewRequest(t, http.MethodGet, s.URL()+"/3.0/lists/main/members", nil)
			tc.set(req)
			simtest.DoJSON(t, req, tc.want, nil)
		})
	}
}

func TestMembersGet(t *testing.T) {
	s, pop := start(t, 60)
	m := pop.Members(population.Mailing)
	tests := []struct {
		name   string
		ids    string
		want   []string
		status int
	}{
		{"known in order, unknown omitted", hash(m[4]) + ",0123456789abcdef0123456789abcdef," + hash(m[1]), []string{hash(m[4]), hash(m[1])}, http.StatusOK},
		{"e-mail address instead of hash", " " + strings.ToUpper(m[2].Email) + " ", []string{hash(m[2])}, http.StatusOK},
		{"repeats dropped", hash(m[0]) + "," + hash(m[0]), []string{hash(m[0])}, http.StatusOK},
		{"101 ids", strings.Repeat("a,", 101), nil, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got membersPage
			simtest.DoJSON(t, get(t, s, "/3.0/lists/main/members", url.Values{"ids": {tc.ids}}), tc.status, &got)
			if tc.status != http.StatusOK {
				return
			}
			var ids []string
			for _, mem := range got.Members {
				ids = append(ids, mem.ID)
				if population.SubscriberHash(mem.EmailAddress) != mem.ID {
					t.Errorf("member id is not the hash of its address")
				}
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.want) || got.TotalItems != len(tc.want) {
				t.Errorf("ids = %v (total %d), want %v", ids, got.TotalItems, tc.want)
			}
		})
	}
	simtest.DoJSON(t, get(t, s, "/3.0/lists/other/members", url.Values{"ids": {hash(m[0])}}), http.StatusNotFound, nil)
	if got := s.Count("members.get"); got != int64(len(tests)+1) {
		t.Errorf("members.get count = %d, want %d", got, len(tests)+1)
	}
	if got := s.Count("members.list"); got != 0 {
		t.Errorf("members.list count = %d, want 0", got)
	}
}

func TestMembersListWalksAllOnce(t *testing.T) {
	s, pop := start(t, 80)
	want := len(pop.Members(population.Mailing))
	for _, count := range []int{9, 100} {
		t.Run(fmt.Sprint("count ", count), func(t *testing.T) {
			s.Reset()
			seen := map[string]int{}
			pages := 0
			for offset := 0; ; offset += count {
				var page membersPage
				q := url.Values{"count": {fmt.Sprint(count)}, "offset": {fmt.Sprint(offset)}}
				simtest.DoJSON(t, get(t, s, "/3.0/lists/main/members", q), http.StatusOK, &page)
				pages++
				if page.TotalItems != want {
					t.Fatalf("total_items = %d, want %d", page.TotalItems, want)
				}
				for _, mem := range page.Members {
					seen[mem.ID]++
				}
				if offset+count >= page.TotalItems {
					break
				}
			}
			if len(seen) != want {
				t.Errorf("walked %d members, want %d", len(seen), want)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("member %s seen %d times", id, n)
				}
			}
			if got := s.Count("members.list"); got != int64(pages) {
				t.Errorf("members.list count = %d, want %d", got, pages)
			}
		})
	}
	for _, q := range []url.Values{{"count": {"0"}}, {"offset": {"-1"}}} {
		simtest.DoJSON(t, get(t, s, "/3.0/lists/main/members", q), http.StatusBadRequest, nil)
	}
}

func TestActivityWindow(t *testing.T) {
	s, pop := start(t, 120)
	var busy, other *population.Person
	for _, p := range pop.Members(population.Mailing) {
		// Members who answered no survey: their activity is their e-mail
		// events (TestSurveyAnswers covers the others).
		switch {
		case len(mailing.SurveyAnswers(p)) > 0:
		case busy == nil && len(p.EmailEvents) >= 8:
			busy = p
		case other == nil && len(p.EmailEvents) >= 2:
			other = p
		}
	}
	if busy == nil || other == nil {
		t.Fatal("population has nobody with enough e-mail events")
	}
	ev := busy.EmailEvents
	ts := func(i int) string { return ev[i].Timestamp.UTC().Format(time.RFC3339) }
	ids := func(es ...population.EmailEvent) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	tests := []struct {
		name string
		q    url.Values
		want []string
	}{
		{"newest first, limit", url.Values{"member_ids": {hash(busy)}, "count_per_member": {"5"}}, ids(ev[:5]...)},
		{"inclusive bounds", url.Values{"member_ids": {hash(busy)}, "since": {ts(6)}, "until": {ts(2)}, "count_per_member": {"100"}}, ids(ev[2:7]...)},
		{"window and limit", url.Values{"member_ids": {hash(busy)}, "since": {ts(6)}, "until": {ts(2)}, "count_per_member": {"3"}}, ids(ev[2:5]...)},
		{"grouped by member", url.Values{"member_ids": {hash(other) + "," + hash(busy)}, "count_per_member": {"1"}}, ids(other.EmailEvents[0], ev[0])},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got struct {
				Activity []mailing.Activity `json:"activity"`
			}
			simtest.DoJSON(t, get(t, s, "/3.0/activity", tc.q), http.StatusOK, &got)
			var gotIDs []string
			for _, a := range got.Activity {
				gotIDs = append(gotIDs, a.ID)
				if (a.Action == "click") != (a.URL != "") || a.CampaignID == "" || a.CampaignTitle == "" {
					t.Errorf("event %s: action %s, url %q, campaign %q", a.ID, a.Action, a.URL, a.CampaignID)
				}
			}
			if fmt.Sprint(gotIDs) != fmt.Sprint(tc.want) {
				t.Errorf("ids = %v, want %v", gotIDs, tc.want)
			}
		})
	}
	simtest.DoJSON(t, get(t, s, "/3.0/activity", url.Values{"member_ids": {hash(busy)}, "until": {"soon"}}), http.StatusBadRequest, nil)
	simtest.DoJSON(t, get(t, s, "/3.0/activity", url.Values{"member_ids": {strings.Repeat("a,", 101)}}), http.StatusBadRequest, nil)
}

func TestInjection(t *testing.T) {
	s, _ := start(t, 20)
	req := func() *http.Request { return get(t, s, "/3.0/lists/main/members", url.Values{"ids": {"x"}}) }
	simtest.Injection(t, s, req)
	simtest.Stopped(t, s, req)
}

// Survey answers are in the activity, merged by time with the e-mail
// events, each with its score; only members subscribed when a survey went
// out answer it.
func TestSurveyAnswers(t *testing.T) {
	s, pop := start(t, 200)
	surveys := mailing.Surveys()
	if len(surveys) != 8 { // 2024-11-01 to 2026-11-01: January 2025 to October 2026
		t.Fatalf("%d surveys, want 8: %+v", len(surveys), surveys)
	}
	answered, scores := 0, map[int]int{}
	for _, p := range pop.Members(population.Mailing) {
		answers := mailing.SurveyAnswers(p)
		if len(answers) == 0 {
			continue
		}
		answered++
		rec := p.Records[population.Mailing]
		want := map[string]int{}
		for _, a := range answers {
			scores[a.Score]++
			want[a.ID] = a.Score
			if a.Score < 0 || a.Score > 10 || !a.At.After(a.Survey.SentAt) || a.At.After(population.Now) {
				t.Errorf("answer %+v", a)
			}
			if a.Survey.SentAt.Before(rec.CreatedAt) || (!rec.Subscribed && a.Survey.SentAt.After(rec.UpdatedAt)) {
				t.Errorf("answer %s to a survey sent while not subscribed", a.ID)
			}
		}
		var got struct {
			Activity []mailing.Activity `json:"activity"`
		}
		simtest.DoJSON(t, get(t, s, "/3.0/activity", url.Values{"member_ids": {hash(p)}, "count_per_member": {"1000"}}), http.StatusOK, &got)
		if len(got.Activity) != len(p.EmailEvents)+len(answers) {
			t.Fatalf("%d activities, want %d e-mail events and %d answers", len(got.Activity), len(p.EmailEvents), len(answers))
		}
		prev := ""
		for _, a := range got.Activity {
			if prev != "" && a.Timestamp > prev {
				t.Fatalf("activity not newest first: %s after %s", a.Timestamp, prev)
			}
			prev = a.Timestamp
			score, isAnswer := want[a.ID]
			if isAnswer != (a.Action == mailing.SurveyAction) || (a.SurveyScore != nil) != isAnswer {
				t.Errorf("activity %s: action %s, score %v", a.ID, a.Action, a.SurveyScore)
			}
			if isAnswer && *a.SurveyScore != score {
				t.Errorf("activity %s: score %d, want %d", a.ID, *a.SurveyScore, score)
			}
		}
	}
	// Some answer and some do not; promoters and detractors both occur.
	if answered == 0 || answered == len(pop.Members(population.Mailing)) || scores[10]+scores[9] == 0 || scores[0]+scores[1]+scores[2]+scores[3]+scores[4]+scores[5]+scores[6] == 0 {
		t.Errorf("%d of %d members answered; scores %v", answered, len(pop.Members(population.Mailing)), scores)
	}
	// The same every run.
	p := pop.Members(population.Mailing)[0]
	if a, b := mailing.SurveyAnswers(p), mailing.SurveyAnswers(p); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("answers differ between calls")
	}
}
