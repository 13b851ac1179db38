package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/crm"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// TestHotReloadSwapsAConnectorUnderLoad serves the demo configuration from a
// file, moves the CRM to another server by editing the file while queries
// run, and checks that no query failed, that the new CRM serves after the
// reload and the old one no more, and that an invalid edit keeps the
// running connectors and says why on /readyz.
func TestHotReloadSwapsAConnectorUnderLoad(t *testing.T) {
	e := bootAlone(t)
	ctx := t.Context()
	sims := e.demo.Simulators
	vars := sims.Vars()
	lookup := func(name string) (string, bool) { v, ok := vars[name]; return v, ok }

	// The CRM's new home: another server with the same contacts.
	moved, err := crm.New(ctx, sims.Population(), crm.Options{Token: vars["CRM_TOKEN"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = moved.Close() })

	dir := t.TempDir()
	file := filepath.Join(dir, "harmony.yaml")
	write := func(text string) {
		t.Helper()
		// Write then rename, as editors do: the watcher sees one change.
		tmp := filepath.Join(dir, ".harmony.yaml.tmp")
		if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	base := e.yaml()
	if !strings.Contains(base, "${CRM_URL}") {
		t.Fatal("demo.yaml no longer reads ${CRM_URL}: update this test")
	}
	write(base)
	cfg, err := config.Load(file, lookup)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store.DataDir = filepath.Join(dir, "store")
	for i := range cfg.Connectors {
		cfg.Connectors[i].Timeout = 5 * time.Second
	}
	gw, err := app.Build(ctx, cfg, app.Options{Log: testlog.Logger(&syncBuffer{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(context.Background()) })
	if err := gw.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	g := &env{demo: e.demo, gw: gw, srv: srv}
	watchCtx, stopWatch := context.WithCancel(ctx)
	t.Cleanup(stopWatch)
	select {
	case <-gw.WatchConfig(watchCtx, file, lookup):
	case <-time.After(10 * time.Second):
		t.Fatal("the configuration is not watched")
	}

	var list struct {
		Customers struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	g.mustQuery(t, `{ customers(first: 30) { edges { node { id } } } }`, nil, &list)
	var ids []string
	for _, ed := range list.Customers.Edges {
		ids = append(ids, ed.Node.ID)
	}
	if len(ids) == 0 {
		t.Fatal("no customers after the sync (did a listing fail?)")
	}

	// Load: clients asking for the CRM's fields, without pause.
	const query = `query($id: ID!) { customer(id: $id) { id profile { sources givenName { value source } } } }`
	var ops, failed atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := g.query(t, query, map[string]any{"id": ids[(w*7+i)%len(ids)]}, nil)
				ops.Add(1)
				if len(r.Errors) > 0 {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("%+v", r.Errors[0]))
				}
			}
		}()
	}
	readyz := func() map[string]any {
		resp, err := srv.Client().Get(srv.URL + "/readyz") //nolint:noctx // a test's probe
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return body
	}
	part := func(name string) string {
		checks, _ := readyz()["checks"].(map[string]any)
		v, _ := checks[name].(string)
		return v
	}

	waitUntil(t, "load before the reload", func() bool { return ops.Load() >= 8 })
	before := moved.Total()
	write(strings.ReplaceAll(base, "${CRM_URL}", moved.URL()))
	waitUntil(t, "the reload", func() bool { return strings.HasPrefix(part("config"), "ok, 1 reload") })
	atReload := ops.Load()
	waitUntil(t, "load after the reload", func() bool { return ops.Load() >= atReload+8 })
	close(stop)
	wg.Wait()

	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d operations failed during the reload; first: %v", n, ops.Load(), firstFailure.Load())
	}
	if moved.Total() == before {
		t.Fatal("the moved CRM served nothing after the reload")
	}
	old := sims.Get("crm").Total()
	for _, id := range ids[:5] {
		g.mustQuery(t, query, map[string]any{"id": id}, nil)
	}
	if sims.Get("crm").Total() != old {
		t.Error("the old CRM still served calls after the reload")
	}
	t.Logf("%d operations around the reload, none failed", ops.Load())

	// An invalid edit: the running connectors stay, /readyz says why.
	write(strings.Replace(base, "kind: rest", "kind: soap", 1))
	waitUntil(t, "the failed reload", func() bool { return strings.Contains(part("config"), "reload failed") })
	if got := part("config"); !strings.Contains(got, `harmony.yaml`) || !strings.Contains(got, `unknown connector kind "soap"`) {
		t.Errorf("readyz config part %q: want the file, key and reason", got)
	}
	before = moved.Total()
	for _, id := range ids[:3] {
		g.mustQuery(t, query, map[string]any{"id": id}, nil)
	}
	if moved.Total() == before {
		t.Error("after a failed reload, the connectors in force should still serve")
	}
}

// busSubscribers is the number of subscriptions gw's bus serves.
func busSubscribers(t *testing.T, gw *app.Gateway) float64 {
	t.Helper()
	families, err := gw.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "harmony_bus_subscribers" && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return 0
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// Generous: only a failure waits this long (2 busy cores, -race).
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
