package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// TestConsoleStaleData shows the console a customer, then takes the CRM
// and the call center down while the gateway still holds what it read of
// them (the CRM's last good values and read cache, the call center's read
// cache), and checks that the console says so: a stale-data banner naming
// both, the CRM's profile fields marked Stale rather than Fresh, the
// timeline's gap marker for the call center saying its entries are shown
// from earlier values, and those entries marked Stale.
func TestConsoleStaleData(t *testing.T) {
	chromium := browserPrereqs(t)
	e := boot(t)
	ctx := t.Context()
	cfg := *e.demo.Config
	cfg.Connectors = slices.Clone(cfg.Connectors)
	cfg.Store.DataDir = filepath.Join(t.TempDir(), "store")
	cfg.Store.Database = "harmony_console_stale"
	hour := time.Hour
	for i := range cfg.Connectors {
		cn := &cfg.Connectors[i]
		switch cn.Name {
		case population.CRM:
			cn.StaleFor = &hour
			cn.Cache = config.ConnectorCache{TTL: 10 * time.Minute, MaxEntries: 10_000}
		case population.Calls:
			cn.Cache = config.ConnectorCache{TTL: 10 * time.Minute, MaxEntries: 10_000}
		}
	}
	gw, err := app.Build(ctx, &cfg, app.Options{Log: testlog.Logger(io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(context.WithoutCancel(ctx)) })
	if err := gw.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)

	// Another customer, whose reads find the systems down: the gateway
	// learns they fail (the shown customer's reads are all cached).
	var other population.Person
	for _, p := range e.demo.Simulators.Population().InAll() {
		if p.Index != e.person.Index && len(p.Calls) > 0 {
			other = p
			break
		}
	}
	sims := e.demo.Simulators
	t.Cleanup(func() {
		sims.CRM.SetDown(false)
		sims.Calls.SetDown(false)
	})
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		sims.CRM.SetDown(true)
		sims.Calls.SetDown(true)
		// What agents do meanwhile: read another customer (the call
		// center's interactions are not cached for them) and look up an
		// e-mail nobody has (the CRM is searched).
		for _, op := range []map[string]any{{
			"query": `query ($k: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: "helpdesk", value: $k) {
			  profile { givenName { value } } timeline(first: 20) { edges { node { id } } } } }`,
			"variables": map[string]any{"k": other.Key(population.Helpdesk)},
		}, {
			"query": `{ customerByIdentifier(kind: EMAIL, value: "nobody.at.all@example.test") { id } }`,
		}} {
			body, _ := json.Marshal(op)
			req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
			if err != nil {
				http.Error(w, "request", http.StatusInternalServerError)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				http.Error(w, "gateway", http.StatusBadGateway)
				return
			}
			_ = resp.Body.Close()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(down.Close)

	stale := &demoEnv{demo: e.demo, gw: gw, srv: srv, person: e.person, phone: e.phone, hooks: e.hooks}
	runCheck(t, chromium, "stale", stale, map[string]string{
		"HARMONY_CONSOLE_DOWN":     population.Calls,
		"HARMONY_CONSOLE_DOWN_URL": down.URL,
		"HARMONY_CONSOLE_STALE":    population.CRM + "," + population.Calls,
	})
}

// TestConsoleSearchSwitch checks that the console shows data only under the
// search it belongs to: a search that finds nobody takes the last customer
// off the screen, and an earlier search's answers that arrive after a newer
// search answered (the browser holds them, as a slow system would) are
// dropped, whether the late answer is the lookup or the customer itself.
func TestConsoleSearchSwitch(t *testing.T) {
	chromium := browserPrereqs(t)
	e := boot(t)
	ctx := t.Context()
	otherID := ""
	for _, p := range e.demo.Simulators.Population().InAll() {
		if p.Index == e.person.Index {
			continue
		}
		id, err := lookupPhone(ctx, e.srv.URL, p.Phone)
		if err != nil {
			t.Fatal(err)
		}
		if id != "" {
			otherID = id
			break
		}
	}
	if otherID == "" {
		t.Fatal("no other demo customer is found by phone")
	}
	// A number in a range reserved for fiction, checked to be nobody's.
	stranger := ""
	for _, ph := range []string{"+44 7700 900461", "+44 7700 900732", "+1 202 555 0183"} {
		id, err := lookupPhone(ctx, e.srv.URL, ph)
		if err != nil {
			t.Fatal(err)
		}
		if id == "" {
			stranger = ph
			break
		}
	}
	if stranger == "" {
		t.Fatal("every candidate number belongs to a demo customer")
	}
	runCheck(t, chromium, "switch", e, map[string]string{
		"HARMONY_CONSOLE_OTHER_ID": otherID,
		"HARMONY_CONSOLE_STRANGER": stranger,
	})
}
