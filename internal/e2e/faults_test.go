package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"

	"github.com/harmonyhq/harmony/internal/testlog"
)

// Resilience settings of the fault-injection gateway: short enough for the
// tests, long enough for -race on a busy machine.
const (
	faultTimeout  = 2 * time.Second
	faultRetries  = 1
	faultFailures = 5
	// faultCoolDown outlasts an operation on a busy machine, so that the
	// test sees the breaker open before it probes.
	faultCoolDown = 15 * time.Second
	// faultDeadline is how long a client waits for any answer: every
	// operation must come back well within it, whatever the systems do.
	faultDeadline = 30 * time.Second
)

// faultEnv is a gateway over a demo of the test's own (bootAlone), with
// its own store and resilience settings, so that breakers, last good
// values and broken systems never leak into the other tests.
type faultEnv struct {
	*env
	gw  *app.Gateway
	srv *httptest.Server
}

func bootFaults(t *testing.T) *faultEnv {
	t.Helper()
	e := bootAlone(t)
	ctx := t.Context()
	cfg := *e.demo.Config
	cfg.Connectors = slices.Clone(cfg.Connectors)
	cfg.Store.DataDir = filepath.Join(t.TempDir(), "store")
	cfg.Store.Database = "harmony_faults"
	retries, staleFor := faultRetries, time.Hour
	for i := range cfg.Connectors {
		cn := &cfg.Connectors[i]
		cn.Timeout = faultTimeout
		cn.Retries = &retries
		cn.Breaker = config.ConnectorBreaker{Failures: faultFailures, CoolDown: faultCoolDown}
		cn.StaleFor = &staleFor
	}
	gw, err := app.Build(ctx, &cfg, app.Options{Log: slog.New(slog.NewJSONHandler(testlog.Tee(e.logs), nil))})
	if err != nil {
		t.Fatalf("build the fault gateway: %v", err)
	}
	t.Cleanup(func() { gw.Close(context.WithoutCancel(ctx)) })
	if err := gw.Sync(ctx); err != nil {
		t.Fatalf("sync the fault gateway: %v", err)
	}
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	return &faultEnv{env: e, gw: gw, srv: srv}
}

type faultResponse struct {
	Data       json.RawMessage            `json:"data"`
	Errors     []gqlError                 `json:"errors"`
	Extensions map[string]json.RawMessage `json:"extensions"`
}

type staleExt struct {
	Connector  string `json:"connector"`
	Capability string `json:"capability"`
	AgeSeconds *int64 `json:"ageSeconds"`
}

// customer360 asks the fault gateway for p's customer 360, within
// faultDeadline.
func (f *faultEnv) customer360(t *testing.T, p population.Person) (*customerView, faultResponse) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), faultDeadline)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": customer360, "variables": map[string]any{"system": "crm", "key": p.Key(population.CRM)}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.srv.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no answer within %s: %v", faultDeadline, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	var r faultResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decode %.300s: %v", raw, err)
	}
	var out struct {
		C *customerView `json:"customerByIdentifier"`
	}
	if len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatalf("decode data: %v", err)
		}
	}
	if out.C == nil {
		t.Fatalf("no customer in the answer: %+v", r.Errors)
	}
	return out.C, r
}

// readyz returns the fault gateway's readiness checks.
func (f *faultEnv) readyz(t *testing.T) map[string]string {
	t.Helper()
	var body struct {
		Checks map[string]string `json:"checks"`
	}
	f.getJSON(t, "/readyz", &body)
	return body.Checks
}

func (f *faultEnv) getJSON(t *testing.T, path string, out any) {
	t.Helper()
	raw := f.get(t, path)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
}

func (f *faultEnv) get(t *testing.T, path string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return raw
}

// breakerGauge returns the line of harmony_connector_breaker_state for
// connector in /metrics.
func (f *faultEnv) breakerGauge(t *testing.T, connector string) string {
	t.Helper()
	prefix := fmt.Sprintf(`harmony_connector_breaker_state{connector=%q} `, connector)
	for line := range strings.Lines(string(f.get(t, "/metrics"))) {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimSpace(strings.TrimPrefix(line, prefix))
		}
	}
	return ""
}

// activePeople returns n distinct people known to each of the demo's
// first six systems (the ones these tests fault and read; few people are
// also in all four newer ones) with orders and conversations (helpdesk),
// skipping the first skip of them.
func activePeople(t *testing.T, pop *population.Population, skip, n int) []population.Person {
	t.Helper()
	core := []string{population.CRM, population.Shop, population.POS, population.Helpdesk, population.Mailing, population.Calls}
	var out []population.Person
	for _, p := range pop.People {
		if slices.ContainsFunc(core, func(s string) bool { return !p.In(s) }) || len(p.Orders) == 0 || len(p.Conversations) == 0 {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if out = append(out, p); len(out) == n {
			return out
		}
	}
	t.Fatalf("the population has fewer than %d people with activity everywhere", n)
	return nil
}

// faultRig is a fault gateway (bootFaults) over a demo of the test's own,
// the systems the tests break, and people to ask for.
type faultRig struct {
	f       *faultEnv
	systems []faultSystem
	// warm is read before each case, fresh are people no case read before.
	warm  population.Person
	fresh []population.Person
}

type faultSystem struct {
	name string
	sim  *simhttp.Server
}

func newFaultRig(t *testing.T, fresh int) *faultRig {
	t.Helper()
	f := bootFaults(t)
	sims := f.demo.Simulators
	r := &faultRig{f: f, systems: []faultSystem{
		{population.Helpdesk, sims.Helpdesk.Server},
		{population.Shop, sims.Shop.Server},
	}}
	all := activePeople(t, sims.Population(), 0, fresh+1)
	r.warm, r.fresh = all[0], all[1:]
	t.Cleanup(func() {
		for _, s := range r.systems {
			_ = s.sim.Heal()
		}
	})
	return r
}

// heal heals the systems and has each answer once: breakers count
// consecutive failures, and each case starts from none.
func (r *faultRig) heal(t *testing.T) {
	t.Helper()
	for _, s := range r.systems {
		if err := s.sim.Heal(); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range r.systems {
		src, ok := r.f.gw.Sources.Get(s.name)
		if !ok {
			t.Fatalf("no source %s", s.name)
		}
		if _, err := src.Profiles(t.Context(), []string{r.warm.Key(s.name)}); err != nil {
			t.Fatalf("healthy %s: %v", s.name, err)
		}
	}
}

// TestFaultInjection breaks one system at a time in every way a system
// breaks and checks that every operation is answered in time, with the
// other systems' data and coded errors naming the broken system; then that
// last good values answer while a system is down. (The breaker is
// TestBreakerOpensAndRecovers, on a gateway of its own, so that the two
// wait for their timeouts and cool-down side by side.)
func TestFaultInjection(t *testing.T) {
	faults := []struct {
		name   string
		inject func(t *testing.T, s *simhttp.Server)
		code   string
	}{
		{"down", func(t *testing.T, s *simhttp.Server) {
			if err := s.SetClosed(true); err != nil {
				t.Fatal(err)
			}
		}, "UPSTREAM_UNAVAILABLE"},
		{"slow", func(_ *testing.T, s *simhttp.Server) { s.SetLatency(faultTimeout + time.Second) }, "UPSTREAM_TIMEOUT"},
		{"status 500", func(_ *testing.T, s *simhttp.Server) { s.SetStatus(http.StatusInternalServerError) }, "UPSTREAM_UNAVAILABLE"},
		{"malformed JSON", func(_ *testing.T, s *simhttp.Server) { s.SetGarbage(true) }, "UPSTREAM_BAD_RESPONSE"},
		{"huge payload", func(_ *testing.T, s *simhttp.Server) { s.SetHuge(50 << 20) }, "UPSTREAM_BAD_RESPONSE"},
		{"hanging connection", func(_ *testing.T, s *simhttp.Server) { s.SetHang(true) }, "UPSTREAM_TIMEOUT"},
	}
	rig := newFaultRig(t, 2*len(faults)+1)
	f, systems, fresh, heal := rig.f, rig.systems, rig.fresh, rig.heal
	sims := f.demo.Simulators

	for _, sys := range systems {
		for _, fault := range faults {
			p := fresh[0]
			fresh = fresh[1:]
			t.Run(sys.name+"/"+fault.name, func(t *testing.T) {
				heal(t)
				fault.inject(t, sys.sim)
				defer func() { _ = sys.sim.Heal() }()
				c, r := f.customer360(t, p)

				// The healthy systems' data is all there.
				if c.Profile.GivenName == nil || len(c.Identities) == 0 {
					t.Errorf("profile or identities missing: %+v", c.Profile)
				}
				other := func(src string) bool { return src != "" && src != sys.name }
				if !slices.ContainsFunc(c.Interactions, func(it struct{ ID, Source, Channel, Type string }) bool { return other(it.Source) }) {
					t.Error("interactions of the healthy systems are missing")
				}
				if len(p.Sales) > 0 && !slices.ContainsFunc(c.Orders, func(o struct{ ID, Source, Channel string }) bool { return other(o.Source) }) {
					t.Error("orders of the healthy systems are missing")
				}
				for _, it := range c.Interactions {
					if it.Source == sys.name {
						t.Errorf("%s interaction served while %s", sys.name, fault.name)
					}
				}
				for _, o := range c.Orders {
					if o.Source == sys.name {
						t.Errorf("%s order served while %s", sys.name, fault.name)
					}
				}
				// And the broken one is reported, coded, by name.
				if len(r.Errors) == 0 {
					t.Fatal("no error for the broken system")
				}
				for _, ge := range r.Errors {
					if ge.Extensions["code"] != fault.code || ge.Extensions["connector"] != sys.name {
						t.Errorf("error = %+v, want %s from %s", ge, fault.code, sys.name)
					}
					if strings.Contains(ge.Message, "http") || strings.Contains(ge.Message, "127.0.0.1") {
						t.Errorf("error message leaks upstream detail: %q", ge.Message)
					}
				}
				if _, ok := r.Extensions["stale"]; ok {
					t.Errorf("stale extension for a customer never read before: %s", r.Extensions["stale"])
				}
			})
		}
	}

	t.Run("stale fallback", func(t *testing.T) {
		heal(t)
		p := fresh[0] // the one left: never read before
		first, r := f.customer360(t, p)
		if len(r.Errors) > 0 {
			t.Fatalf("first answer: %+v", r.Errors)
		}
		ids := func(c *customerView) []string {
			var out []string
			for _, it := range c.Interactions {
				if it.Source == population.Helpdesk {
					out = append(out, it.ID)
				}
			}
			return out
		}
		want := ids(first)
		if len(want) == 0 {
			t.Fatal("the first answer has no helpdesk interactions")
		}

		helpdesk := sims.Helpdesk.Server
		if err := helpdesk.SetClosed(true); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = helpdesk.Heal() }()
		second, r := f.customer360(t, p)
		for _, ge := range r.Errors {
			if ge.Extensions["connector"] == "helpdesk" {
				t.Errorf("error for keys with last good values: %+v", ge)
			}
		}
		if got := ids(second); !slices.Equal(got, want) {
			t.Errorf("helpdesk interactions = %v, want the last good %v", got, want)
		}
		var stale []staleExt
		if err := json.Unmarshal(r.Extensions["stale"], &stale); err != nil {
			t.Fatalf("stale extension %s: %v", r.Extensions["stale"], err)
		}
		caps := map[string]bool{}
		for _, s := range stale {
			if s.Connector != "helpdesk" || s.AgeSeconds == nil || *s.AgeSeconds < 0 {
				t.Errorf("stale entry %+v", s)
			}
			caps[s.Capability] = true
		}
		if !caps["interactions"] || !caps["profiles"] {
			t.Errorf("stale = %+v, want the helpdesk's profiles and interactions", stale)
		}
		raw := string(r.Extensions["stale"])
		if strings.Contains(raw, p.Key(population.Helpdesk)) {
			t.Error("the stale extension names a key")
		}
	})
}

// TestBreakerOpensAndRecovers fails the helpdesk until its breaker opens,
// checks that calls then fail fast, coded, without reaching it, and that a
// probe closes the breaker once the helpdesk is healthy and the cool-down
// is over.
func TestBreakerOpensAndRecovers(t *testing.T) {
	rig := newFaultRig(t, 1)
	f, warm, fresh := rig.f, rig.warm, rig.fresh
	sims := f.demo.Simulators
	rig.heal(t)
	helpdesk := sims.Helpdesk.Server
	helpdesk.SetStatus(http.StatusServiceUnavailable)
	defer func() { _ = helpdesk.Heal() }()
	opened := false
	var lastStart time.Time // the breaker opened during the last failing operation
	for range 2 * faultFailures {
		lastStart = time.Now()
		f.customer360(t, warm)
		if f.readyz(t)["connector:helpdesk"] == "degraded" {
			opened = true
			break
		}
	}
	if !opened {
		t.Fatalf("the breaker did not open after %d failing operations; readyz %v", 2*faultFailures, f.readyz(t))
	}
	// While open, calls fail fast, coded, and never reach the system.
	// The checks hold until the cool-down ends; on a machine too slow to
	// make them before, they are skipped rather than flaky.
	src, _ := f.gw.Sources.Get("helpdesk")
	before := helpdesk.Total()
	_, err := src.Profiles(t.Context(), []string{fresh[0].Key(population.Helpdesk)})
	after := helpdesk.Total()
	gauge := f.breakerGauge(t, "helpdesk")
	if time.Since(lastStart) < faultCoolDown {
		var ce *connectors.Error
		if !errors.As(err, &ce) || ce.Code != connectors.CodeCircuitOpen || ce.Connector != "helpdesk" {
			t.Errorf("err = %v, want CIRCUIT_OPEN naming helpdesk", err)
		}
		if after != before {
			t.Errorf("the helpdesk got %d calls while its breaker was open", after-before)
		}
		if gauge != "2" {
			t.Errorf("breaker gauge = %q, want 2 (open)", gauge)
		}
	} else {
		t.Log("the machine is too slow to see the breaker open before its cool-down; not checked")
	}
	checks := f.readyz(t)
	if checks["store"] != "ok" || checks["connector:crm"] != "configured" {
		t.Errorf("readyz = %v, want the store ok and other connectors unaffected", checks)
	}
	_, r := f.customer360(t, fresh[0])
	if time.Since(lastStart) < faultCoolDown && !slices.ContainsFunc(r.Errors, func(ge gqlError) bool {
		return ge.Extensions["code"] == "CIRCUIT_OPEN" && ge.Extensions["connector"] == "helpdesk"
	}) {
		t.Errorf("errors = %+v, want CIRCUIT_OPEN from helpdesk", r.Errors)
	}
	after = helpdesk.Total()

	// Healthy again: after the cool-down a probe closes the breaker.
	if err := helpdesk.Heal(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10*faultCoolDown + faultDeadline)
	for f.readyz(t)["connector:helpdesk"] != "configured" {
		if time.Now().After(deadline) {
			t.Fatalf("the breaker did not close; readyz %v", f.readyz(t))
		}
		time.Sleep(200 * time.Millisecond)
		f.customer360(t, warm)
	}
	if helpdesk.Total() <= after {
		t.Error("no call reached the helpdesk after it healed")
	}
	if g := f.breakerGauge(t, "helpdesk"); g != "0" {
		t.Errorf("breaker gauge = %q, want 0 (closed)", g)
	}
	if _, r := f.customer360(t, warm); len(r.Errors) > 0 {
		t.Errorf("errors after recovery: %+v", r.Errors)
	}
}
