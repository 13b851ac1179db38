package playground

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowser loads the playground in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core from testdata/browser) and
// fails on anything but a rendered GraphiQL with the example tabs, no request
// to another origin and no console error, CSP violations included.
//
//	HARMONY_BROWSER_TESTS=1 go test ./internal/playground -run TestBrowser -v
//
// HARMONY_BROWSER_SCREENSHOT=/path/shot.png keeps the screenshot (by default
// it goes to a temporary folder removed after the test).
func TestBrowser(t *testing.T) {
	if os.Getenv("HARMONY_BROWSER_TESTS") != "1" {
		t.Skip("browser check skipped: set HARMONY_BROWSER_TESTS=1 to run it (needs /usr/bin/chromium, node and npm)")
	}
	if err := AssetsPresent(); err != nil {
		t.Fatalf("the browser check needs the real assets: %v", err)
	}
	chromium := os.Getenv("HARMONY_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("chromium not found (apt-get install -y chromium): %v", err)
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: %v", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute) // a guard against hangs, not a measurement
	defer cancel()

	dir := filepath.Join("testdata", "browser")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	introspection, err := os.ReadFile(filepath.Join(dir, "introspection.json"))
	if err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	Mount(mux, Options{
		Title:    "Harmony playground (browser check)",
		Examples: browserExamples,
		Headers:  map[string]string{"X-Harmony-Client": "playground"},
	})
	// Stand-in for the gateway's /graphql: answers GraphiQL's introspection
	// query for a small schema, and nothing else.
	mux.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query string `json:"query"`
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewDecoder(r.Body).Decode(&req); err == nil && strings.Contains(req.Query, "__schema") {
			_, _ = w.Write(introspection)
			return
		}
		_, _ = w.Write([]byte(`{"data":null,"errors":[{"message":"stub endpoint: only introspection is answered"}]}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	shot := os.Getenv("HARMONY_BROWSER_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "playground.png")
	} else if shot, err = filepath.Abs(shot); err != nil {
		t.Fatal(err)
	}
	args := []string{"check.mjs", srv.URL + "/", shot}
	for _, ex := range browserExamples {
		args = append(args, operationName(ex.Query))
	}
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HARMONY_CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	t.Logf("browser check report:\n%s", stdout.String())
	if stderr.Len() > 0 {
		t.Logf("stderr:\n%s", stderr.String())
	}
	if runErr != nil {
		t.Fatalf("browser check failed: %v", runErr)
	}
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 10_000 {
		t.Fatalf("screenshot %s is not a plausible PNG (%d bytes)", shot, len(png))
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
}

// browserExamples are the tabs the browser check expects; the last one would
// break the page if the config were not escaped.
var browserExamples = []Example{
	{
		Name:      "Customer by id",
		Query:     "query CustomerById($id: ID!) {\n  customer(id: $id) {\n    id\n    name\n    email\n  }\n}\n",
		Variables: `{"id": "c-42"}`,
	},
	{
		Name:  "Recent orders",
		Query: "query RecentOrders {\n  customers(first: 5) {\n    name\n    orders(first: 3) { id total placedAt }\n  }\n}\n",
	},
	{
		Name:  `Escaping </script> "check"`,
		Query: "query Tricky {\n  customers(after: \"</script><script>alert('x')</script>\") { id }\n}\n",
	},
}

// operationName returns the name GraphiQL gives a tab: the first
// query/mutation/subscription name in the document.
func operationName(query string) string {
	for _, line := range strings.Split(query, "\n") {
		f := strings.Fields(strings.NewReplacer("(", " ", "{", " ").Replace(line))
		if len(f) >= 2 && (f[0] == "query" || f[0] == "mutation" || f[0] == "subscription") {
			return f[1]
		}
	}
	return "<untitled>"
}
