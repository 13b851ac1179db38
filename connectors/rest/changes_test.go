package rest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// A list_profiles request that uses {{.Since}} can list changes: the
// connector says so, passes the time, and leaves the parameter out of a
// whole listing. One that does not cannot.
func TestListChangedProfiles(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data": [{"id": "r1"}]}`))
	}))
	t.Cleanup(srv.Close)
	cfg := func(query string) string {
		return "base_url: " + srv.URL + "\nlist_profiles:\n  path: /people\n  query: " + query +
			"\n  records: $.data\n  key: $.id\n  pagination: {style: cursor, next: $.next}\n"
	}
	since := time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)
	tests := []struct {
		name, query string
		changes     bool
		whole, diff string // the queries sent
	}{
		{"since in the query", `{after: "{{.Cursor}}", updated_since: "{{rfc3339 .Since}}"}`, true,
			"", "updated_since=2026-12-01T08%3A30%3A00Z"},
		{"unix since", `{modified_after: "{{unix .Since}}"}`, true, "", "modified_after=1796113800"},
		{"no since", `{after: "{{.Cursor}}"}`, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := build(t, cfg(tt.query), srv.Client())
			if got := connectors.ListsChanges(c); got != tt.changes {
				t.Fatalf("ListsChanges = %v, want %v", got, tt.changes)
			}
			mu.Lock()
			queries = nil
			mu.Unlock()
			if _, err := c.ListProfiles(context.Background(), "", 10); err != nil {
				t.Fatal(err)
			}
			_, err := c.ListChangedProfiles(context.Background(), since, "", 10)
			if !tt.changes {
				if err == nil {
					t.Fatal("changes listed by a request that cannot filter them")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(queries) != 2 || queries[0] != tt.whole || !strings.Contains(queries[1], tt.diff) {
				t.Errorf("queries %q, want %q then one with %q", queries, tt.whole, tt.diff)
			}
		})
	}
}
