package graphql_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/connectors/graphql"
)

// pagedAPI is a GraphQL API serving people p001, p002, ... as a Relay
// connection, at most perPage a page whatever $limit asks. endCursor is the
// index of the next record; totalCount counts them all.
type pagedAPI struct {
	srv     *httptest.Server
	keys    []string
	perPage int
	// noCursor answers hasNextPage true without an endCursor.
	noCursor bool

	mu    sync.Mutex
	asked []int
}

func newPagedAPI(t *testing.T, n, perPage int) *pagedAPI {
	a := &pagedAPI{perPage: perPage}
	for i := 1; i <= n; i++ {
		a.keys = append(a.keys, fmt.Sprintf("p%03d", i))
	}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Variables struct {
				Limit  int     `json:"limit"`
				Cursor *string `json:"cursor"`
			} `json:"variables"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.asked = append(a.asked, req.Variables.Limit)
		a.mu.Unlock()
		start := 0
		if req.Variables.Cursor != nil {
			start, _ = strconv.Atoi(*req.Variables.Cursor)
		}
		start = min(start, len(a.keys))
		end := min(start+min(req.Variables.Limit, a.perPage), len(a.keys))
		nodes := []map[string]string{}
		for _, k := range a.keys[start:end] {
			nodes = append(nodes, map[string]string{"id": k})
		}
		info := map[string]any{"hasNextPage": end < len(a.keys), "endCursor": nil}
		if end < len(a.keys) && !a.noCursor {
			info["endCursor"] = strconv.Itoa(end)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"people": map[string]any{
			"nodes": nodes, "pageInfo": info, "totalCount": len(a.keys)}}})
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *pagedAPI) config(extra string) string {
	return "endpoint: " + a.srv.URL + `/graphql
list_profiles:
  query: |
    query People($limit: Int!, $cursor: String) {
      people(first: $limit, after: $cursor) { nodes { id } pageInfo { hasNextPage endCursor } totalCount }
    }
  records: $.data.people.nodes
  key: $.id
  next_cursor: $.data.people.pageInfo.endCursor
  has_next: $.data.people.pageInfo.hasNextPage
` + extra
}

// An API that serves at most 50 records a page while page_size asks 100 is
// listed to the end by its cursors; its total is reported on each page.
func TestListingReadsCappedPages(t *testing.T) {
	api := newPagedAPI(t, 230, 50)
	c := connectortest.Build(t, "graphql", api.config("  total: $.data.people.totalCount\n  page_size: 100\n"),
		connectors.Env{HTTPClient: api.srv.Client()}).(*graphql.Connector)
	if got := c.ListPageSize(); got != 100 {
		t.Fatalf("ListPageSize = %d, want the configured 100", got)
	}
	var keys []string
	cursor := ""
	for range 100 {
		page, err := c.ListProfiles(context.Background(), cursor, c.ListPageSize())
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 230 {
			t.Fatalf("page total = %d, want 230", page.Total)
		}
		for _, p := range page.Profiles {
			keys = append(keys, p.Key)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if !slices.Equal(keys, api.keys) {
		t.Fatalf("listed %d records, want all %d in order", len(keys), len(api.keys))
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.asked) != 5 || slices.ContainsFunc(api.asked, func(n int) bool { return n != 100 }) {
		t.Errorf("asked limits %v, want five pages of page_size 100", api.asked)
	}
}

func TestListingEndRules(t *testing.T) {
	t.Run("has_next without a cursor", func(t *testing.T) {
		api := newPagedAPI(t, 230, 50)
		api.noCursor = true
		c := connectortest.Build(t, "graphql", api.config(""), connectors.Env{HTTPClient: api.srv.Client()}).(*graphql.Connector)
		_, err := c.ListProfiles(context.Background(), "", 100)
		if connectors.CodeOf(err) != connectors.CodeBadResponse || !strings.Contains(err.Error(), "has_next is true") {
			t.Fatalf("err = %v, want a bad response: has_next with no cursor", err)
		}
	})
	t.Run("default page size", func(t *testing.T) {
		api := newPagedAPI(t, 1, 50)
		c := connectortest.Build(t, "graphql", api.config(""), connectors.Env{HTTPClient: api.srv.Client()}).(*graphql.Connector)
		if got := c.ListPageSize(); got != connectors.DefaultListPageSize {
			t.Fatalf("ListPageSize = %d, want %d", got, connectors.DefaultListPageSize)
		}
	})
	for _, size := range []string{"-5", "1001"} {
		t.Run("page_size "+size, func(t *testing.T) {
			api := newPagedAPI(t, 1, 50)
			_, err := connectortest.TryBuild("graphql", api.config("  page_size: "+size+"\n"), connectors.Env{})
			var ce *connectors.ConfigError
			if !errors.As(err, &ce) || ce.Key != "list_profiles.page_size" || ce.Line != 11 || !strings.Contains(ce.Reason, "between 1 and 1000") {
				t.Fatalf("err = %v, want list_profiles.page_size at line 11: between 1 and 1000", err)
			}
		})
	}
}
