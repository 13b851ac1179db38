package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/testlog"
)

func TestListingsRecord(t *testing.T) {
	reg := prometheus.NewRegistry()
	l := newListings(reg)
	failed := identity.Report{Failed: []identity.FailedSource{{Name: "shop", Code: identity.CodeIncomplete}}}
	l.record([]string{"crm", "shop"}, failed)

	parts := map[string]string{"identity": "ok"}
	l.ready(parts)
	if parts["identity"] != "degraded" || parts["listing:shop"] != "failed: LISTING_INCOMPLETE" || len(parts) != 2 {
		t.Fatalf("parts = %v, want identity degraded and listing:shop with its code", parts)
	}
	if got := testutil.ToFloat64(l.failing.WithLabelValues("shop")); got != 1 {
		t.Errorf("shop failing = %v, want 1", got)
	}
	if got := testutil.ToFloat64(l.failing.WithLabelValues("crm")); got != 0 {
		t.Errorf("crm failing = %v, want 0", got)
	}

	// A failed listing whose snapshot stood in says so.
	l.record([]string{"crm", "shop"}, identity.Report{Failed: failed.Failed, FromSnapshot: []string{"shop"}})
	parts = map[string]string{"identity": "ok"}
	l.ready(parts)
	if want := "failed: LISTING_INCOMPLETE (its last complete listing stands in)"; parts["listing:shop"] != want {
		t.Errorf("listing:shop = %q, want %q", parts["listing:shop"], want)
	}

	// A complete sync clears the parts and the gauge; the counter stays.
	l.record([]string{"crm", "shop"}, identity.Report{})
	parts = map[string]string{"identity": "ok"}
	l.ready(parts)
	if len(parts) != 1 || parts["identity"] != "ok" {
		t.Fatalf("parts = %v after a complete sync, want identity ok only", parts)
	}
	if got := testutil.ToFloat64(l.failing.WithLabelValues("shop")); got != 0 {
		t.Errorf("shop failing = %v after a complete sync, want 0", got)
	}
	if got := testutil.ToFloat64(l.failures.WithLabelValues("shop", "LISTING_INCOMPLETE")); got != 2 {
		t.Errorf("shop failures = %v, want 2 (one per failed sync)", got)
	}
}

// A gateway whose only listing source stops under its reported total
// links nothing, stays ready, and says which source failed and why on
// /readyz and /metrics; a later complete sync clears it.
func TestFailedListingOnReadyzAndMetrics(t *testing.T) {
	var served atomic.Int32
	served.Store(120) // of 230
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var contacts []map[string]string
		for i := offset; i < min(offset+50, int(served.Load())); i++ {
			contacts = append(contacts, map[string]string{"id": strconv.Itoa(1000 + i)})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"contacts": contacts, "total": 230})
	}))
	t.Cleanup(api.Close)
	file := fmt.Sprintf(`
store: {data_dir: %q}
connectors:
  - name: crm
    kind: rest
    config:
      base_url: %s
      list_profiles:
        path: /contacts
        query: {offset: "{{.Offset}}", limit: "{{.Limit}}"}
        page_size: 100
        records: $.contacts
        key: $.id
        pagination: {style: offset, total: $.total}
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
	if err := g.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v; a failed listing is reported, not an error", err)
	}
	srv := httptest.NewServer(g.Handler)
	t.Cleanup(srv.Close)

	code, checks := readyz(t, srv.URL)
	if code != http.StatusOK || checks["identity"] != "degraded" || checks["listing:crm"] != "failed: LISTING_INCOMPLETE" {
		t.Fatalf("/readyz = %d %v, want 200, identity degraded, listing:crm failed with its code", code, checks)
	}
	metrics := get(t, srv.URL+"/metrics")
	for _, want := range []string{
		`harmony_identity_listing_failed{connector="crm"} 1`,
		`harmony_identity_listing_failures_total{code="LISTING_INCOMPLETE",connector="crm"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if n, err := g.Store.CountCustomers(ctx); err != nil || n != 0 {
		t.Errorf("%d customers (%v), want none: the sync must link nothing", n, err)
	}

	served.Store(230)
	if err := g.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	code, checks = readyz(t, srv.URL)
	if _, ok := checks["listing:crm"]; code != http.StatusOK || checks["identity"] != "ok" || ok {
		t.Fatalf("/readyz = %d %v after a complete sync, want identity ok", code, checks)
	}
	if !strings.Contains(get(t, srv.URL+"/metrics"), `harmony_identity_listing_failed{connector="crm"} 0`) {
		t.Error("the failing gauge is not 0 after a complete sync")
	}
	if n, err := g.Store.CountCustomers(ctx); err != nil || n != 230 {
		t.Errorf("%d customers (%v), want 230", n, err)
	}
}

func readyz(t *testing.T, base string) (int, map[string]string) {
	t.Helper()
	var body struct {
		Checks map[string]string `json:"checks"`
	}
	resp := do(t, base+"/readyz")
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body.Checks
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp := do(t, url)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func do(t *testing.T, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
