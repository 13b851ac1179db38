package clients_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/demo"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/testenv"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// snippets is where docs/clients.md's snippets and their Node test live.
var snippets = filepath.Join("..", "..", "docs", "clients")

// node finds node and npm, and installs the pinned packages; without node
// or npm the test skips, loudly (make test's summary names it; on CI it
// fails).
func node(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, "Node.js", errors.New(tool+" not found: the client snippets of docs/clients.md are not tested"))
		}
	}
	if _, err := os.Stat(filepath.Join(snippets, "node_modules", "@apollo", "client", "package.json")); err == nil {
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute) // a guard against hangs
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = snippets
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in docs/clients: %v\n%s", err, out)
	}
}

// TestClientSnippets runs the snippets of docs/clients.md against the
// demo gateway: Apollo Client and urql read a customer's timeline (a union
// of orders and interactions) and profile without a warning or lost data
// (and, as a control, a plain Apollo cache shows the warnings the snippet
// avoids); Relay's conventions hold (node, connections); a live event
// reaches graphql-ws and SSE subscribers.
func TestClientSnippets(t *testing.T) {
	node(t)
	ctx := t.Context()
	d, err := demo.Start(ctx, demo.Options{DataDir: t.TempDir(), People: 200})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	gw, err := app.Build(ctx, d.Config, app.Options{Log: testlog.Logger(io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(context.WithoutCancel(ctx)) })
	if err := gw.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	d.Simulators.Helpdesk.SetWebhook(srv.URL + "/webhooks/helpdesk")

	person, id := pick(t, d, srv.URL)
	user, _ := strconv.ParseInt(person.Key(population.Helpdesk), 10, 64)
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sim := d.Simulators.Helpdesk
		status, err := sim.SendWebhook(r.Context(), sim.NewMessageEvent(user, "chat", "A message for the client snippets", time.Now()))
		if err != nil || status != http.StatusOK {
			http.Error(w, "webhook not accepted", http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hooks.Close)

	run, cancel := context.WithTimeout(ctx, 5*time.Minute) // a guard against hangs
	defer cancel()
	cmd := exec.CommandContext(run, "node", "--conditions=development", "clients.test.mjs")
	cmd.Dir = snippets
	cmd.Env = append(os.Environ(),
		"HARMONY_CLIENTS_URL="+srv.URL,
		"HARMONY_CLIENTS_CUSTOMER="+id,
		"HARMONY_CLIENTS_LIVE_URL="+hooks.URL,
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	t.Logf("client snippets:\n%s", stdout.String())
	if stderr.Len() > 0 {
		t.Logf("stderr:\n%s", stderr.String())
	}
	if runErr != nil {
		t.Fatalf("client snippets failed: %v", runErr)
	}
}

// pick finds a demo customer with orders and helpdesk conversations, and
// their Harmony ID.
func pick(t *testing.T, d *demo.Demo, base string) (population.Person, string) {
	t.Helper()
	for _, p := range d.Simulators.Population().InAll() {
		if len(p.Orders) == 0 || len(p.Conversations) == 0 {
			continue
		}
		if _, err := strconv.ParseInt(p.Key(population.Helpdesk), 10, 64); err != nil {
			continue
		}
		body, _ := json.Marshal(map[string]any{
			"query":     `query ($v: String!) { customerByIdentifier(kind: PHONE, value: $v) { id } }`,
			"variables": map[string]any{"v": p.Phone},
		})
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/graphql", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Data struct {
				C *struct{ ID string } `json:"customerByIdentifier"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if out.Data.C != nil {
			return p, out.Data.C.ID
		}
	}
	t.Fatal("no demo customer with orders and conversations is found by phone")
	return population.Person{}, ""
}
