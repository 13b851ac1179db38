package analytics_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/analytics"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

const key = "analytics-key"

func start(t *testing.T, n int) (*analytics.Server, *population.Population) {
	t.Helper()
	pop := population.Generate(42, n)
	s, err := analytics.New(t.Context(), pop, analytics.Options{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s, pop
}

func do(t *testing.T, s *analytics.Server, method, path, body string, status int, out any) {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = simtest.NewRequest(t, method, s.URL()+path, nil)
	} else {
		req = simtest.NewRequest(t, method, s.URL()+path, json.RawMessage(body))
	}
	req.Header.Set("Authorization", "Bearer "+key)
	simtest.DoJSON(t, req, status, out)
}

type events struct {
	Data []struct {
		MessageID string `json:"message_id"`
		UserID    string `json:"user_id"`
	} `json:"data"`
}

func eventIDs(t *testing.T, s *analytics.Server, user string) []string {
	t.Helper()
	var got events
	do(t, s, http.MethodGet, "/v1/spaces/"+analytics.SpaceID+"/collections/users/events?"+
		url.Values{"user_ids": {user}, "limit_per_user": {"1000"}}.Encode(), "", http.StatusOK, &got)
	var ids []string
	for _, e := range got.Data {
		if e.UserID != user {
			t.Errorf("event %s answered for %s, asked for %s", e.MessageID, e.UserID, user)
		}
		ids = append(ids, e.MessageID)
	}
	return ids
}

// TestEventsJoinTheUserThroughIdentify: a user's events are those sent as
// the user and those of devices an identify linked, never the others.
func TestEventsJoinTheUserThroughIdentify(t *testing.T) {
	s, pop := start(t, 200)
	checked := 0
	for _, p := range pop.Members(population.Analytics) {
		var want []string
		for _, e := range p.AppEvents {
			if e.Joined {
				want = append(want, e.ID)
			}
		}
		got := eventIDs(t, s, p.Key(population.Analytics))
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("person %d: events %v, want %v", p.Index, got, want)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("nobody in the analytics")
	}

	user := pop.Members(population.Analytics)[0].Key(population.Analytics)
	before := len(eventIDs(t, s, user))
	do(t, s, http.MethodPost, "/v1/track", `{"anonymousId":"dev-1","event":"Product Viewed","messageId":"m-anon"}`, http.StatusOK, nil)
	if got := eventIDs(t, s, user); len(got) != before || slices.Contains(got, "m-anon") {
		t.Fatalf("an anonymous event joined the user before any identify")
	}
	do(t, s, http.MethodPost, "/v1/identify", `{"anonymousId":"dev-1","userId":"`+user+`"}`, http.StatusOK, nil)
	if got := eventIDs(t, s, user); !slices.Contains(got, "m-anon") {
		t.Fatalf("the anonymous event did not join the user after the identify")
	}
	// A later identify of the same device to someone else moves nothing.
	other := pop.Members(population.Analytics)[1].Key(population.Analytics)
	do(t, s, http.MethodPost, "/v1/identify", `{"anonymousId":"dev-1","userId":"`+other+`"}`, http.StatusOK, nil)
	if slices.Contains(eventIDs(t, s, other), "m-anon") {
		t.Fatal("a second identify moved the device's events")
	}
	do(t, s, http.MethodPost, "/v1/track", `{"event":"Product Viewed"}`, http.StatusBadRequest, nil)
}

func TestProfilesListWalksAllOnce(t *testing.T) {
	s, pop := start(t, 150)
	seen := map[string]int{}
	cursor := ""
	for {
		var page struct {
			Data []struct {
				UserID string `json:"user_id"`
			} `json:"data"`
			Cursor struct {
				HasMore bool   `json:"has_more"`
				Next    string `json:"next"`
			} `json:"cursor"`
		}
		do(t, s, http.MethodGet, "/v1/spaces/"+analytics.SpaceID+"/collections/users/profiles?"+
			url.Values{"limit": {"7"}, "cursor": {cursor}}.Encode(), "", http.StatusOK, &page)
		for _, p := range page.Data {
			seen[p.UserID]++
		}
		if !page.Cursor.HasMore {
			break
		}
		cursor = page.Cursor.Next
	}
	if len(seen) != len(pop.Members(population.Analytics)) {
		t.Fatalf("walked %d profiles, want %d", len(seen), len(pop.Members(population.Analytics)))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("profile %s seen %d times", id, n)
		}
	}
}
