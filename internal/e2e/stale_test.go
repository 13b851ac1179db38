package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
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

// bootStale is a gateway over a demo of the test's own (bootAlone) with
// its own store, whose helpdesk answers from last good values when it fails and
// whose call center has a read cache (and no fallback): the two ways a
// value read before an outage can answer during it.
func bootStale(t *testing.T) *faultEnv {
	t.Helper()
	e := bootAlone(t)
	ctx := t.Context()
	cfg := *e.demo.Config
	cfg.Connectors = slices.Clone(cfg.Connectors)
	cfg.Store.DataDir = filepath.Join(t.TempDir(), "store")
	cfg.Store.Database = "harmony_stale"
	retries, off, hour := 0, time.Duration(0), time.Hour
	for i := range cfg.Connectors {
		cn := &cfg.Connectors[i]
		cn.Timeout = faultTimeout
		cn.Retries = &retries
		cn.Breaker = config.ConnectorBreaker{Failures: 100, CoolDown: time.Minute}
		cn.StaleFor = &off
		switch cn.Name {
		case population.Helpdesk:
			cn.StaleFor = &hour
		case population.Calls:
			cn.Cache = config.ConnectorCache{TTL: 10 * time.Minute, MaxEntries: 10_000}
		}
	}
	gw, err := app.Build(ctx, &cfg, app.Options{Log: slog.New(slog.NewJSONHandler(testlog.Tee(e.logs), nil))})
	if err != nil {
		t.Fatalf("build the gateway: %v", err)
	}
	t.Cleanup(func() { gw.Close(context.WithoutCancel(ctx)) })
	if err := gw.Sync(ctx); err != nil {
		t.Fatalf("sync: %v", err)
	}
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	return &faultEnv{env: e, gw: gw, srv: srv}
}

const staleQuery = `query Stale($key: String!) {
  customerByIdentifier(kind: EXTERNAL_ID, system: "crm", value: $key) {
    profile {
      givenName { source stale fetchedAt alternatives { source stale fetchedAt } }
      familyName { source stale fetchedAt alternatives { source stale fetchedAt } }
      phone { source stale fetchedAt alternatives { source stale fetchedAt } }
    }
    interactions(first: 100) { source stale fetchedAt }
    timeline(first: 100) {
      edges { node { source stale fetchedAt payload { __typename ... on Interaction { stale } } } }
      gaps { source capability code reason fetchedAt }
    }
  }
}`

type staleValue struct {
	Source    string  `json:"source"`
	Stale     bool    `json:"stale"`
	FetchedAt *string `json:"fetchedAt"`
}

type staleField struct {
	staleValue
	Alternatives []staleValue `json:"alternatives"`
}

type staleView struct {
	Profile struct {
		GivenName, FamilyName, Phone *staleField
	} `json:"profile"`
	Interactions []staleValue `json:"interactions"`
	Timeline     struct {
		Edges []struct {
			Node struct {
				staleValue
				Payload struct {
					Stale *bool `json:"stale"`
				} `json:"payload"`
			} `json:"node"`
		} `json:"edges"`
		Gaps []struct {
			Source, Capability, Code, Reason string
			FetchedAt                        *string `json:"fetchedAt"`
		} `json:"gaps"`
	} `json:"timeline"`
}

func (f *faultEnv) staleView(t *testing.T, p population.Person) (staleView, faultResponse) {
	t.Helper()
	var r faultResponse
	status, raw := f.postRaw(t, staleQuery, map[string]any{"key": p.Key(population.CRM)})
	if status != 200 {
		t.Fatalf("status %d: %s", status, raw)
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decode %.300s: %v", raw, err)
	}
	var out struct {
		C *staleView `json:"customerByIdentifier"`
	}
	if err := json.Unmarshal(r.Data, &out); err != nil || out.C == nil {
		t.Fatalf("no customer: %s %+v", r.Data, r.Errors)
	}
	return *out.C, r
}

// TestStaleDataSaysSo takes the helpdesk (last good values) and the call
// center (read cache) down and checks that what they answered before says
// so: each value and entry they answer is stale with the time it was read,
// the timeline lists both among its gaps with reason STALE, and the
// healthy systems' values stay fresh.
func TestStaleDataSaysSo(t *testing.T) {
	f := bootStale(t)
	sims := f.demo.Simulators
	var people []population.Person
	for _, p := range sims.Population().InAll() {
		if len(p.Conversations) > 0 && len(p.Calls) > 0 {
			people = append(people, p)
		}
	}
	if len(people) < 2 {
		t.Fatal("too few people with conversations and calls")
	}
	p, other := people[0], people[1]
	if _, r := f.staleView(t, p); len(r.Errors) > 0 {
		t.Fatalf("warm-up: %+v", r.Errors)
	}
	warmed := time.Now()
	time.Sleep(1100 * time.Millisecond) // fetch times are at least a second apart from now
	down := []string{population.Helpdesk, population.Calls}
	for _, s := range []interface{ SetClosed(bool) error }{sims.Helpdesk.Server, sims.Calls.Server} {
		if err := s.SetClosed(true); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = sims.Helpdesk.Server.Heal()
		_ = sims.Calls.Server.Heal()
	})
	// Another customer's read finds the call center down (p's own reads
	// of it are all cached, and reach it no more).
	f.staleView(t, other)

	v, r := f.staleView(t, p)
	for _, ge := range r.Errors {
		if slices.Contains(down, ge.Extensions["connector"].(string)) {
			t.Errorf("an error for a system answered from earlier values: %+v", ge)
		}
	}
	before := func(at *string) bool {
		if at == nil {
			return false
		}
		tm, err := time.Parse(time.RFC3339Nano, *at)
		return err == nil && !tm.After(warmed)
	}
	check := func(what string, sv staleValue) {
		t.Helper()
		if slices.Contains(down, sv.Source) {
			if !sv.Stale || !before(sv.FetchedAt) {
				t.Errorf("%s from %s: stale %v, fetchedAt %v; want stale, read before the outage", what, sv.Source, sv.Stale, deref(sv.FetchedAt))
			}
			return
		}
		if sv.Stale {
			t.Errorf("%s from the healthy %s is stale", what, sv.Source)
		}
	}
	sourcesSeen := map[string]bool{}
	for _, fl := range []*staleField{v.Profile.GivenName, v.Profile.FamilyName, v.Profile.Phone} {
		if fl == nil {
			continue
		}
		check("profile field", fl.staleValue)
		for _, a := range fl.Alternatives {
			check("alternative value", a)
			sourcesSeen[a.Source] = true
		}
		sourcesSeen[fl.Source] = true
	}
	for _, it := range v.Interactions {
		check("interaction", it)
		sourcesSeen[it.Source] = true
	}
	for _, e := range v.Timeline.Edges {
		check("timeline entry", e.Node.staleValue)
		if e.Node.Payload.Stale != nil && *e.Node.Payload.Stale != e.Node.Stale {
			t.Errorf("timeline entry of %s: payload stale %v, entry %v", e.Node.Source, *e.Node.Payload.Stale, e.Node.Stale)
		}
	}
	for _, s := range down {
		if !sourcesSeen[s] {
			t.Errorf("nothing of %s was answered: %+v", s, v)
		}
	}
	gaps := map[string]string{}
	for _, g := range v.Timeline.Gaps {
		if g.Reason != "STALE" || g.Code == "" || !before(g.FetchedAt) {
			t.Errorf("gap %+v, want reason STALE with the failure's code and when the values were read", g)
		}
		gaps[g.Source+"/"+g.Capability] = g.Code
	}
	for _, want := range []string{"helpdesk/interactions", "calls/interactions"} {
		if _, ok := gaps[want]; !ok {
			t.Errorf("gaps %v lack %s", gaps, want)
		}
	}
	if _, ok := r.Extensions["stale"]; !ok {
		t.Error("no extensions.stale")
	}
}

// postRaw sends an operation to the gateway and returns the status and body.
func (f *faultEnv) postRaw(t *testing.T, q string, vars map[string]any) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), faultDeadline)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
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
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
