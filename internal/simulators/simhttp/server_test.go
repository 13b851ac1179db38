package simhttp_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

func newTestServer(t *testing.T) *simhttp.Server {
	t.Helper()
	s := simhttp.New("test", simhttp.Bearer("secret"))
	s.Handle("GET /items", "items.list", func(w http.ResponseWriter, r *http.Request) {
		ids, err := simhttp.SplitIDs(r.URL.Query().Get("ids"))
		if err != nil {
			simhttp.BadRequest(w, err)
			return
		}
		simhttp.WriteJSON(w, http.StatusOK, map[string]any{"ids": ids})
	})
	s.Handle("POST /graphql", "", func(w http.ResponseWriter, _ *http.Request) {
		s.Hit("fieldA")
		s.Hit("fieldB")
		simhttp.WriteJSON(w, http.StatusOK, map[string]any{})
	})
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func authed(t *testing.T, method, url string) *http.Request {
	req := simtest.NewRequest(t, method, url, nil)
	req.Header.Set("Authorization", "Bearer secret")
	return req
}

func TestCounting(t *testing.T) {
	s := newTestServer(t)
	for range 3 {
		simtest.DoJSON(t, authed(t, http.MethodGet, s.URL()+"/items?ids=a,b"), http.StatusOK, nil)
	}
	simtest.DoJSON(t, authed(t, http.MethodPost, s.URL()+"/graphql"), http.StatusOK, nil)
	simtest.DoJSON(t, simtest.NewRequest(t, http.MethodGet, s.URL()+"/items", nil), http.StatusUnauthorized, nil)
	simtest.DoJSON(t, authed(t, http.MethodGet, s.URL()+"/nowhere"), http.StatusNotFound, nil)
	simtest.DoJSON(t, simtest.NewRequest(t, http.MethodGet, s.URL()+"/_sim/stats", nil), http.StatusOK, nil)

	tests := []struct {
		route string
		want  int64
	}{
		{"items.list", 4}, // the 401 counts: the upstream saw it
		{"fieldA", 1},
		{"fieldB", 1},
		{"nowhere", 0},
	}
	for _, tc := range tests {
		if got := s.Count(tc.route); got != tc.want {
			t.Errorf("Count(%q) = %d, want %d", tc.route, got, tc.want)
		}
	}
	if got := s.Total(); got != 5 {
		t.Errorf("Total = %d, want 5", got)
	}
	if got := s.Counts(); len(got) != 3 {
		t.Errorf("Counts = %v, want 3 routes", got)
	}
	s.Reset()
	if s.Total() != 0 || s.Count("items.list") != 0 || len(s.Counts()) != 0 {
		t.Errorf("Reset left counts")
	}
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name string
		auth simhttp.AuthFunc
		set  func(r *http.Request)
		want bool
	}{
		{"bearer ok", simhttp.Bearer("t"), func(r *http.Request) { r.Header.Set("Authorization", "Bearer t") }, true},
		{"bearer lower-case scheme", simhttp.Bearer("t"), func(r *http.Request) { r.Header.Set("Authorization", "bearer t") }, true},
		{"bearer wrong", simhttp.Bearer("t"), func(r *http.Request) { r.Header.Set("Authorization", "Bearer u") }, false},
		{"bearer missing", simhttp.Bearer("t"), func(*http.Request) {}, false},
		{"basic ok", simhttp.BasicUser("me/token", "t"), func(r *http.Request) { r.SetBasicAuth("me/token", "t") }, true},
		{"basic wrong user", simhttp.BasicUser("me/token", "t"), func(r *http.Request) { r.SetBasicAuth("you/token", "t") }, false},
		{"basic any user", simhttp.BasicPassword("k"), func(r *http.Request) { r.SetBasicAuth("anything", "k") }, true},
		{"basic wrong password", simhttp.BasicPassword("k"), func(r *http.Request) { r.SetBasicAuth("anything", "x") }, false},
		{"api key ok", simhttp.APIKey("X-Api-Key", "k"), func(r *http.Request) { r.Header.Set("X-Api-Key", "k") }, true},
		{"api key wrong", simhttp.APIKey("X-Api-Key", "k"), func(r *http.Request) { r.Header.Set("X-Api-Key", "kk") }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", nil)
			tc.set(r)
			if got := tc.auth(r); got != tc.want {
				t.Errorf("auth = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBatchLimit(t *testing.T) {
	s := newTestServer(t)
	ids := func(n int) string {
		xs := make([]string, n)
		for i := range xs {
			xs[i] = "x"
		}
		return strings.Join(xs, ",")
	}
	tests := []struct {
		n    int
		want int
	}{{0, http.StatusOK}, {100, http.StatusOK}, {101, http.StatusBadRequest}}
	for _, tc := range tests {
		simtest.DoJSON(t, authed(t, http.MethodGet, s.URL()+"/items?ids="+ids(tc.n)), tc.want, nil)
	}
	if _, err := simhttp.SplitIDs(ids(101)); !errors.Is(err, simhttp.ErrTooMany) {
		t.Errorf("SplitIDs(101) error = %v, want ErrTooMany", err)
	}
}

func TestInjection(t *testing.T) {
	s := newTestServer(t)
	req := func() *http.Request { return authed(t, http.MethodGet, s.URL()+"/items?ids=a") }
	simtest.Injection(t, s, req)
	simtest.Stopped(t, s, req)
}

func TestNewest(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	items := []int{5, 4, 4, 3, 2, 1} // hours after base, newest first
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	tests := []struct {
		name  string
		w     simhttp.Window
		limit int
		want  []int
	}{
		{"no window", simhttp.Window{}, -1, items},
		{"limit", simhttp.Window{}, 2, []int{5, 4}},
		{"inclusive bounds", simhttp.Window{Since: at(2), Until: at(4)}, -1, []int{4, 4, 3, 2}},
		{"window and limit", simhttp.Window{Since: at(1), Until: at(4)}, 3, []int{4, 4, 3}},
		{"zero limit", simhttp.Window{}, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := simhttp.Newest(items, at, tc.w, tc.limit)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestPageSize(t *testing.T) {
	tests := []struct {
		query   string
		want    int
		wantErr bool
	}{
		{"", 10, false},
		{"n=1", 1, false},
		{"n=100", 100, false},
		{"n=5000", 100, false}, // capped, as vendors do
		{"n=0", 0, true},
		{"n=-3", 0, true},
		{"n=ten", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			got, err := simhttp.PageSize(httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/?"+tc.query, nil), "n", 10, 100)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("PageSize = %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
