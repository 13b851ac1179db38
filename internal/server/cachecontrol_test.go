package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCacheControlFollowsTheHints(t *testing.T) {
	ts := newServer(t, nil)
	tests := []struct {
		name   string
		method string
		query  string
		want   string // Cache-Control
	}{
		{name: "a hinted field", method: http.MethodGet, query: `{ sources { name } }`, want: "private, max-age=60"},
		{name: "the smallest hint", method: http.MethodGet,
			query: `{ sources { name } customer(id: "cus_none") { id } }`, want: "private, max-age=30"},
		{name: "through fragments", method: http.MethodGet,
			query: `query { ...Q } fragment Q on Query { sources { name } customer(id: "cus_none") { id } }`, want: "private, max-age=30"},
		{name: "a top-level field without a hint", method: http.MethodGet,
			query: `{ sources { name } customers(first: 1) { totalCount } }`, want: "no-store"},
		{name: "an answer with errors", method: http.MethodGet,
			query: `{ sources { name } customer(id: 1) { nope } }`, want: "no-store"},
		{name: "a POST is left alone", method: http.MethodPost, query: `{ sources { name } }`, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req *http.Request
			if tt.method == http.MethodGet {
				req, _ = http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+"/graphql?query="+url.QueryEscape(tt.query), nil)
				req.Header.Set("X-Requested-With", "fetch")
			} else {
				req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql",
					strings.NewReader(`{"query":`+quote(tt.query)+`}`))
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if got := resp.Header.Get("Cache-Control"); got != tt.want {
				t.Errorf("Cache-Control = %q, want %q (status %d)", got, tt.want, resp.StatusCode)
			}
			if strings.Contains(resp.Header.Get("Cache-Control"), "public") {
				t.Error("a public answer")
			}
		})
	}
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
