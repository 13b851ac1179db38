package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/rest"
)

// pagedAPI serves records r001, r002, ... at /people in every pagination
// style, at most perPage a page whatever the limit asked, as many APIs do. It
// reports has_more and the total, and records the limit of each request.
type pagedAPI struct {
	srv     *httptest.Server
	keys    []string
	perPage int
	// served, when positive, is how many records the API actually serves:
	// it stops early while its total still counts them all.
	served int

	mu    sync.Mutex
	asked []int
}

func newPagedAPI(t *testing.T, n, perPage int) *pagedAPI {
	a := &pagedAPI{perPage: perPage}
	for i := 1; i <= n; i++ {
		a.keys = append(a.keys, fmt.Sprintf("r%03d", i))
	}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *pagedAPI) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	a.mu.Lock()
	a.asked = append(a.asked, limit)
	a.mu.Unlock()
	size := min(limit, a.perPage)
	if size <= 0 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	start := 0
	switch {
	case q.Has("after"):
		start, _ = strconv.Atoi(q.Get("after"))
	case q.Has("offset"):
		start, _ = strconv.Atoi(q.Get("offset"))
	case q.Has("page"):
		page, _ := strconv.Atoi(q.Get("page"))
		start = (page - 1) * size
	}
	served := a.keys
	if a.served > 0 {
		served = a.keys[:a.served]
	}
	start = min(max(start, 0), len(served))
	end := min(start+size, len(served))
	body := map[string]any{"data": []map[string]string{}, "has_more": end < len(served), "total": len(a.keys)}
	var data []map[string]string
	for _, k := range served[start:end] {
		data = append(data, map[string]string{"id": k})
	}
	if data != nil {
		body["data"] = data
	}
	if end < len(served) {
		body["next"] = strconv.Itoa(end)
		if q.Has("page") {
			page, _ := strconv.Atoi(q.Get("page"))
			w.Header().Set("Link", fmt.Sprintf(`</people?page=%d&limit=%d>; rel="next"`, page+1, limit))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (a *pagedAPI) requests() []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.asked)
}

// listConfig is a rest block listing /people in style, with extra
// pagination keys and page_size 100.
func listConfig(base, style, extra string) string {
	query := map[string]string{
		rest.PageCursor: `{after: "{{.Cursor}}", limit: "{{.Limit}}"}`,
		rest.PageNumber: `{page: "{{.Page}}", limit: "{{.Limit}}"}`,
		rest.PageOffset: `{offset: "{{.Offset}}", limit: "{{.Limit}}"}`,
		rest.PageLink:   `{page: "1", limit: "{{.Limit}}"}`,
	}[style]
	pagination := "style: " + style
	if style == rest.PageCursor {
		pagination += ", next: $.next"
	}
	if extra != "" {
		pagination += ", " + extra
	}
	return fmt.Sprintf("base_url: %s\nlist_profiles:\n  path: /people\n  query: %s\n  records: $.data\n  key: $.id\n  page_size: 100\n  pagination: {%s}\n",
		base, query, pagination)
}

// walk lists every page as the identity sync does, following Next.
func walk(t *testing.T, c *rest.Connector) ([]string, error) {
	t.Helper()
	var keys []string
	cursor := ""
	for range 100 {
		page, err := c.ListProfiles(context.Background(), cursor, c.ListPageSize())
		if err != nil {
			return keys, err
		}
		for _, p := range page.Profiles {
			keys = append(keys, p.Key)
		}
		if page.Next == "" {
			return keys, nil
		}
		cursor = page.Next
	}
	t.Fatal("more than 100 pages")
	return nil, nil
}

// An API that serves at most 50 records a page while 100 are asked is
// listed to the end in every style: a short page is not the last one.
func TestListingReadsCappedPages(t *testing.T) {
	const records, perPage = 230, 50
	tests := []struct {
		style, extra string
		requests     int // pages asked, the empty one included
	}{
		{rest.PageCursor, "", 5},
		{rest.PageCursor, "has_more: $.has_more", 5},
		{rest.PageNumber, "", 6},
		{rest.PageNumber, "has_more: $.has_more", 5},
		{rest.PageNumber, "total: $.total", 6}, // the last page, of 30, says nothing of the size of the others
		{rest.PageOffset, "", 6},
		{rest.PageOffset, "has_more: $.has_more", 5},
		{rest.PageOffset, "total: $.total", 5},
		{rest.PageLink, "", 5},
		{rest.PageLink, "has_more: $.has_more", 5},
	}
	for _, tt := range tests {
		t.Run(tt.style+" "+tt.extra, func(t *testing.T) {
			api := newPagedAPI(t, records, perPage)
			c := build(t, listConfig(api.srv.URL, tt.style, tt.extra), api.srv.Client())
			if got := c.ListPageSize(); got != 100 {
				t.Fatalf("ListPageSize = %d, want the configured 100", got)
			}
			keys, err := walk(t, c)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keys, api.keys) {
				t.Fatalf("listed %d records (%v...), want all %d in order", len(keys), keys[:min(3, len(keys))], records)
			}
			asked := api.requests()
			if len(asked) != tt.requests {
				t.Errorf("%d requests, want %d", len(asked), tt.requests)
			}
			for _, n := range asked {
				if n != 100 {
					t.Fatalf("asked limits %v, want page_size 100 each time", asked)
				}
			}
		})
	}
}

// A page reports the API's total, which the identity sync checks the whole
// listing against; has_more true with nowhere to go fails the page.
func TestListingEndRules(t *testing.T) {
	ctx := context.Background()
	t.Run("total is reported", func(t *testing.T) {
		api := newPagedAPI(t, 230, 50)
		api.served = 120 // stops early; its total still says 230
		c := build(t, listConfig(api.srv.URL, rest.PageOffset, "total: $.total"), api.srv.Client())
		page, err := c.ListProfiles(ctx, "100", 100)
		if err != nil || page.Total != 230 || len(page.Profiles) != 20 || page.Next != "120" {
			t.Fatalf("page = %d records, next %q, total %d, %v; want 20, 120, 230", len(page.Profiles), page.Next, page.Total, err)
		}
		page, err = c.ListProfiles(ctx, "120", 100)
		if err != nil || page.Total != 230 || len(page.Profiles) != 0 || page.Next != "" {
			t.Fatalf("page = %d records, next %q, total %d, %v; want the end, total 230", len(page.Profiles), page.Next, page.Total, err)
		}
	})
	for _, style := range []string{rest.PageCursor, rest.PageLink} {
		t.Run(style+" has_more without a next page", func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(`{"data": [{"id": "a"}], "has_more": true}`))
			}))
			t.Cleanup(srv.Close)
			c := build(t, listConfig(srv.URL, style, "has_more: $.has_more"), srv.Client())
			_, err := c.ListProfiles(ctx, "", 100)
			if connectors.CodeOf(err) != connectors.CodeBadResponse || !strings.Contains(err.Error(), "has_more is true") {
				t.Fatalf("err = %v, want a bad response: has_more with no next page", err)
			}
		})
	}
	t.Run("total not a count", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"data": [{"id": "a"}], "total": "many"}`))
		}))
		t.Cleanup(srv.Close)
		c := build(t, listConfig(srv.URL, rest.PageNumber, "total: $.total"), srv.Client())
		if _, err := c.ListProfiles(ctx, "", 100); connectors.CodeOf(err) != connectors.CodeBadResponse {
			t.Fatalf("err = %v, want a bad response", err)
		}
	})
	t.Run("default page size", func(t *testing.T) {
		c := build(t, "base_url: http://127.0.0.1:1\nlist_profiles: {path: /p, key: $.id, pagination: {style: page}}\n", nil)
		if got := c.ListPageSize(); got != connectors.DefaultListPageSize {
			t.Fatalf("ListPageSize = %d, want %d", got, connectors.DefaultListPageSize)
		}
	})
}
