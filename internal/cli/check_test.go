package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestConnectorsCheck runs `harmony connectors check` over three rest
// connectors: one healthy, one whose API refuses the token, one whose host
// is down.
func TestConnectorsCheck(t *testing.T) {
	var (
		mu    sync.Mutex
		calls []string
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, r.URL.Path)
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer good-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/contacts":
			fmt.Fprint(w, `{"results": []}`)
		case "/orders":
			fmt.Fprint(w, `{"orders": []}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer api.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	const connector = `
  - name: %s
    kind: rest
    timeout: 2s
    config:
      base_url: %s
      auth: {type: bearer, token: "%s"}
      profiles: {path: /contacts, query: {ids: '{{join .Keys ","}}'}, records: $.results, key: $.id}
      orders: {path: /orders, query: {ids: '{{join .Keys ","}}'}, records: $.orders, customer_key: $.c, id: $.id, placed_at: $.at}
`
	file := func(t *testing.T, conns ...[3]string) string {
		var b strings.Builder
		b.WriteString("connectors:")
		for _, c := range conns {
			fmt.Fprintf(&b, connector, c[0], c[1], c[2])
		}
		path := filepath.Join(t.TempDir(), "harmony.yaml")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	row := func(out, name string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, name+" ") {
				return strings.Join(strings.Fields(l), " ")
			}
		}
		t.Fatalf("no row for %s in:\n%s", name, out)
		return ""
	}

	t.Run("all healthy", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), []string{"connectors", "check", file(t, [3]string{"crm", api.URL, "good-token"})}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("exit %d, stderr %q", code, stderr.String())
		}
		if got := row(stdout.String(), "crm"); !regexp.MustCompile(`^crm rest yes accepted \S+ profiles,orders ok$`).MatchString(got) {
			t.Errorf("row %q", got)
		}
	})

	t.Run("a refused token and a host down", func(t *testing.T) {
		mu.Lock()
		calls = nil
		mu.Unlock()
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), []string{"connectors", "check", file(t,
			[3]string{"crm", api.URL, "good-token"},
			[3]string{"shop", api.URL, "stale-token"},
			[3]string{"helpdesk", downURL, "good-token"})}, &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), "2 of 3 connectors failed their check") {
			t.Fatalf("exit %d, stderr %q; want 1 and a count", code, stderr.String())
		}
		out := stdout.String()
		if got := row(out, "crm"); !strings.HasSuffix(got, " ok") {
			t.Errorf("crm: %q", got)
		}
		if got := row(out, "shop"); !strings.HasPrefix(got, "shop rest yes refused ") || !strings.Contains(got, "UPSTREAM_UNAUTHORIZED") {
			t.Errorf("shop: %q", got)
		}
		if got := row(out, "helpdesk"); !strings.HasPrefix(got, "helpdesk rest no - ") || !strings.Contains(got, "UPSTREAM_UNAVAILABLE") {
			t.Errorf("helpdesk: %q", got)
		}
		if strings.Contains(out, "stale-token") || strings.Contains(stderr.String(), "stale-token") {
			t.Error("the check printed a token")
		}
		// One call per capability per reachable connector.
		mu.Lock()
		defer mu.Unlock()
		if len(calls) != 4 {
			t.Errorf("the API saw %d calls %v, want 4", len(calls), calls)
		}
	})
}
