package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// A gateway is ready only when the first identity sync and the search
// index pass after it are complete. While the index is built (the CRM
// holds its batch reads back), /readyz answers 503 and says it waits for
// the search index, and a customer list says it is incomplete; once the
// index is whole, both say so.
func TestReadyWaitsForTheSearchIndex(t *testing.T) {
	const people = 30
	gate := make(chan struct{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		contact := func(i int) map[string]string {
			return map[string]string{"id": strconv.Itoa(1000 + i), "first": "Ada", "last": fmt.Sprintf("Lovelace%d", i)}
		}
		switch r.URL.Path {
		case "/contacts":
			offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
			var out []map[string]string
			for i := offset; i < min(offset+50, people); i++ {
				out = append(out, contact(i))
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"contacts": out, "total": people})
		case "/contacts/batch":
			select { // the index's reads wait until the test lets them go
			case <-gate:
			case <-r.Context().Done():
				return
			}
			var body struct{ IDs []string }
			_ = json.NewDecoder(r.Body).Decode(&body)
			var out []map[string]string
			for _, id := range body.IDs {
				i, _ := strconv.Atoi(id)
				out = append(out, contact(i-1000))
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"contacts": out})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)
	file := fmt.Sprintf(`
store: {data_dir: %q}
connectors:
  - name: crm
    kind: rest
    timeout: 1m
    config:
      base_url: %s
      list_profiles:
        path: /contacts
        query: {offset: "{{.Offset}}", limit: "{{.Limit}}"}
        page_size: 50
        records: $.contacts
        key: $.id
        fields: {given_name: $.first, family_name: $.last}
        pagination: {style: offset, total: $.total}
      profiles:
        method: POST
        path: /contacts/batch
        body: '{"ids": [{{range $i, $k := .Keys}}{{if $i}},{{end}}{{json $k}}{{end}}]}'
        records: $.contacts
        key: $.id
        fields: {given_name: $.first, family_name: $.last}
`, t.TempDir(), api.URL)
	cfg, err := config.Parse("harmony.yaml", []byte(file), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	g, err := Build(ctx, cfg, Options{Log: testlog.Logger(&syncBuffer{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(context.WithoutCancel(ctx)) })
	srv := httptest.NewServer(g.Handler)
	t.Cleanup(srv.Close)

	code, body := readyzBody(t, srv.URL)
	if code != http.StatusServiceUnavailable || body.Checks["identity"] != "syncing" ||
		!slices.Contains(body.WaitingFor, "identity: the first sync is running") {
		t.Fatalf("/readyz before the sync = %d %+v, want 503 waiting for the identity sync", code, body)
	}

	synced := make(chan error, 1)
	go func() { synced <- g.Sync(ctx) }()
	// The sync links the records, then the index pass waits on the CRM.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, body = readyzBody(t, srv.URL); body.Checks["identity"] == "ok" {
			break
		}
		if time.Now().After(deadline) {
			close(gate)
			t.Fatalf("the identity sync did not finish: %+v", body)
		}
	}
	code, body = readyzBody(t, srv.URL)
	if code != http.StatusServiceUnavailable || body.Checks["search"] != "indexing" ||
		!slices.Equal(body.WaitingFor, []string{"search: the search index is being built"}) {
		close(gate)
		t.Fatalf("/readyz while indexing = %d %+v, want 503 waiting for the search index", code, body)
	}
	if complete, _ := customersPage(t, srv.URL); complete {
		close(gate)
		t.Fatal("a customer list answered while indexing says it is complete")
	}

	close(gate)
	if err := <-synced; err != nil {
		t.Fatal(err)
	}
	code, body = readyzBody(t, srv.URL)
	if code != http.StatusOK || body.Checks["search"] != "ok" || body.WaitingFor != nil {
		t.Fatalf("/readyz after the index = %d %+v, want 200 with search ok and nothing waited for", code, body)
	}
	complete, total := customersPage(t, srv.URL)
	if !complete || total != people {
		t.Fatalf("customers(filter: Ada) = complete %v, %d customers; want complete, %d", complete, total, people)
	}
}

type readyBody struct {
	Status     string            `json:"status"`
	Checks     map[string]string `json:"checks"`
	WaitingFor []string          `json:"waiting_for"`
}

func readyzBody(t *testing.T, base string) (int, readyBody) {
	t.Helper()
	resp := do(t, base+"/readyz")
	defer resp.Body.Close()
	var body readyBody
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// customersPage asks for the customers named Ada, from the search index.
func customersPage(t *testing.T, base string) (complete bool, total int) {
	t.Helper()
	q, _ := json.Marshal(map[string]string{"query": `{ customers(first: 1, filter: {namePrefix: "Ada"}) { totalCount complete } }`})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/graphql", bytes.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Customers struct {
				TotalCount int  `json:"totalCount"`
				Complete   bool `json:"complete"`
			} `json:"customers"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) > 0 {
		t.Fatalf("customers: %v", out.Errors)
	}
	return out.Data.Customers.Complete, out.Data.Customers.TotalCount
}
