package peer_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/harmonyhq/harmony/bench/internal/peer"
	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/store"

	_ "github.com/harmonyhq/harmony/connectors/all"
)

// start serves the subgraphs over a small population and returns their
// base URLs by name.
func start(t *testing.T) map[string]string {
	t.Helper()
	servers, err := peer.Start(t.Context(), population.Generate(population.DefaultSeed, 30))
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{}
	for _, s := range servers {
		t.Cleanup(s.Stop)
		urls[s.Name()] = s.URL()
	}
	return urls
}

func post(t *testing.T, url, query string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// Bramble federates a service through its service field: the schema it
// returns must parse, declare Customer a boundary type and carry an array
// boundary query answering a mapped set (null for an unknown ID).
func TestSubgraphsFollowBrambleConvention(t *testing.T) {
	urls := start(t)
	for _, name := range peer.Subgraphs() {
		var svc struct {
			Data struct {
				Service struct{ Name, Version, Schema string }
			}
		}
		post(t, urls[name], `{ service { name version schema } }`, &svc)
		if svc.Data.Service.Name != name {
			t.Errorf("%s: service name %q", name, svc.Data.Service.Name)
		}
		schema, err := gqlparser.LoadSchema(&ast.Source{Name: name, Input: svc.Data.Service.Schema})
		if err != nil {
			t.Fatalf("%s: schema does not parse: %v", name, err)
		}
		if schema.Types["Customer"].Directives.ForName("boundary") == nil {
			t.Errorf("%s: Customer is not a boundary type", name)
		}
		f := schema.Query.Fields.ForName("customers")
		if f == nil || f.Directives.ForName("boundary") == nil || f.Type.Elem == nil {
			t.Errorf("%s: no array boundary query customers(ids:)", name)
		}
		var got struct {
			Data struct{ Customers []*struct{ ID string } }
		}
		post(t, urls[name], `{ customers(ids: ["cu_00002", "nobody", "cu_00001"]) { id } }`, &got)
		if c := got.Data.Customers; len(c) != 3 || c[0] == nil || c[0].ID != "cu_00002" || c[1] != nil || c[2] == nil || c[2].ID != "cu_00001" {
			t.Errorf("%s: boundary query answered %+v, want a mapped set", name, c)
		}
	}
}

// harmony.yaml is configuration only: its connectors build from the
// built-in graphql kind and answer aligned batches from the subgraphs.
func TestHarmonyConfigReadsTheSubgraphs(t *testing.T) {
	urls := start(t)
	env := func(name string) (string, bool) {
		for _, sg := range peer.Subgraphs() {
			if name == peer.URLVar(sg) {
				return urls[sg], true
			}
		}
		return "", false
	}
	cfg, err := config.Parse("harmony.yaml", peer.HarmonyYAML(), env)
	if err != nil {
		t.Fatal(err)
	}
	conns := map[string]connectors.Connector{}
	for _, cn := range cfg.Connectors {
		c, err := connectors.Build(t.Context(), cn.Kind, &cn.Config, connectors.Env{Name: cn.Name, Logger: slog.New(slog.DiscardHandler), HTTPClient: http.DefaultClient})
		if err != nil {
			t.Fatalf("%s: %v", cn.Name, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		conns[cn.Name] = c
	}
	keys := []string{"cu_00003", "nobody", "cu_00001"}
	profiles, err := conns[peer.Profile].(connectors.ProfileSource).Profiles(t.Context(), keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(profiles) != 3 || profiles[0] == nil || profiles[0].Key != "cu_00003" || profiles[1] != nil || profiles[0].Get("email") == "" {
		t.Errorf("profiles: %+v", profiles)
	}
	// The subgraphs' made-up addresses must link under the
	// configuration's identity policy, or the bench's sync joins nothing.
	policy, err := identity.NewPolicy(cfg.Identity)
	if err != nil {
		t.Fatal(err)
	}
	if _, status := policy.Classify(peer.Profile, "email", profiles[0].Get("email")); status != store.StatusMatch {
		t.Errorf("a subgraph's e-mail is %s under harmony.yaml's identity policy, want %s", status, store.StatusMatch)
	}
	orders, err := conns[peer.Orders].(connectors.OrderSource).Orders(t.Context(), keys, connectors.Window{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	interactions, err := conns[peer.Interactions].(connectors.InteractionSource).Interactions(t.Context(), keys, connectors.Window{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 3 || len(interactions) != 3 || len(orders[1]) != 0 || len(interactions[1]) != 0 {
		t.Fatalf("orders %d, interactions %d, want 3 aligned lists with none for an unknown key", len(orders), len(interactions))
	}
	total := 0
	for i, k := range keys {
		for _, o := range orders[i] {
			total++
			if o.CustomerKey != k || len(o.Items) == 0 {
				t.Errorf("order %+v answers %s", o, k)
			}
		}
		if len(orders[i]) > 2 || len(interactions[i]) > 3 {
			t.Errorf("%s: the limit was not pushed down", k)
		}
		for _, it := range interactions[i] {
			total++
			if it.CustomerKey != k || strings.HasPrefix(it.Type, "email_") && it.Channel != "email" {
				t.Errorf("interaction %+v answers %s", it, k)
			}
		}
	}
	if total == 0 {
		t.Error("no order and no interaction for any key")
	}
	for _, name := range peer.Subgraphs() {
		page, err := conns[name].(connectors.ProfileLister).ListProfiles(t.Context(), "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Profiles) != 10 || page.Next == "" || page.Profiles[0].Get("email") == "" {
			t.Errorf("%s: list_profiles page %+v", name, page)
		}
	}
}
