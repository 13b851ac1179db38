package sources_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/connectors"
	_ "github.com/harmonyhq/harmony/connectors/rest"
	"github.com/harmonyhq/harmony/internal/cache"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/testenv"
)

// crmUpstream is a CRM over HTTP that counts what it is asked: profiles by
// batch POST, orders per key. Key "gone" has no record.
type crmUpstream struct {
	srv *httptest.Server

	mu          sync.Mutex
	profileKeys [][]string // the keys of each profiles call
	orderCalls  int
}

func newCRM(t *testing.T) *crmUpstream {
	t.Helper()
	u := &crmUpstream{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /crm/contacts/batch", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ IDs []string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		u.mu.Lock()
		u.profileKeys = append(u.profileKeys, body.IDs)
		u.mu.Unlock()
		var results []map[string]string
		for _, id := range body.IDs {
			if id != "gone" {
				results = append(results, map[string]string{"id": id, "name": "Ana Lima", "email": "ana.lima@example.test"})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"results": results})
	})
	mux.HandleFunc("GET /crm/customers/{key}/orders", func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.orderCalls++
		u.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"orders": []map[string]string{
			{"number": "O-2", "date": "2024-04-20T10:00:00Z", "amount": "99.00", "currency": "EUR"},
			{"number": "O-1", "date": "2024-04-02T10:00:00Z", "amount": "12.50", "currency": "EUR"},
		}})
	})
	u.srv = httptest.NewServer(mux)
	t.Cleanup(u.srv.Close)
	return u
}

func (u *crmUpstream) calls() ([][]string, int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.profileKeys), u.orderCalls
}

const crmConfig = `
base_url: %s/crm
profiles:
  method: POST
  path: /contacts/batch
  body: '{"ids": [{{range $i, $k := .Keys}}{{if $i}},{{end}}{{json $k}}{{end}}]}'
  records: $.results
  key: $.id
  fields: {given_name: $.name, email: $.email}
orders:
  per_key: true
  path: /customers/{{.Key}}/orders
  query: {limit: "{{.Limit}}"}
  records: $.orders
  id: $.number
  placed_at: $.date
  total: $.amount
  currency: $.currency
  channel: online
`

// restSource builds the rest connector of u, guarded with opts.
func restSource(t *testing.T, u *crmUpstream, opts sources.Options, m *sources.Metrics) *sources.Source {
	t.Helper()
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(fmt.Sprintf(crmConfig, u.srv.URL)), &node); err != nil {
		t.Fatal(err)
	}
	conn, err := connectors.Build(t.Context(), "rest", node.Content[0], connectors.Env{Name: "crm", HTTPClient: u.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	s := sources.New("crm", "rest", conn, opts, m, nil)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// cacheRedisOrSkip returns a client of the test Redis and a key prefix of
// this test alone, whose keys are deleted at the end.
func cacheRedisOrSkip(t *testing.T) (*redis.Client, string) {
	t.Helper()
	addr := testenv.Redis(t)
	client := redis.NewClient(&redis.Options{Addr: addr})
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "harmony-test:" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx := context.WithoutCancel(t.Context())
		if keys, _ := client.Keys(ctx, prefix+":*").Result(); len(keys) > 0 {
			client.Del(ctx, keys...)
		}
		_ = client.Close()
	})
	return client, prefix
}

func TestCacheAnswersReadsAndCountsHits(t *testing.T) {
	backends := map[string]func(t *testing.T) cache.Backend{
		"memory": func(*testing.T) cache.Backend { return cache.NewMemory("") },
		"redis": func(t *testing.T) cache.Backend {
			client, prefix := cacheRedisOrSkip(t)
			return cache.NewRedisClient(client, prefix, "a-test-salt-of-32-characters....")
		},
	}
	for name, backend := range backends {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			u := newCRM(t)
			reg := prometheus.NewRegistry()
			m := sources.NewMetrics(reg)
			b := backend(t)
			src := restSource(t, u, sources.Options{Cache: b.For("crm", time.Minute, 100)}, m)
			hits := func(capability string) float64 {
				return metricValue(t, reg, "harmony_cache_hits_total", capability)
			}
			misses := func(capability string) float64 {
				return metricValue(t, reg, "harmony_cache_misses_total", capability)
			}

			steps := []struct {
				keys      []string
				wantAsked []string // the keys the system is asked, nil for no call
				hits      float64
				misses    float64
			}{
				{keys: []string{"k1", "k2"}, wantAsked: []string{"k1", "k2"}, hits: 0, misses: 2},
				{keys: []string{"k2", "k3", "k1", "k3"}, wantAsked: []string{"k3"}, hits: 2, misses: 3},
				{keys: []string{"k1", "k2", "k3"}, hits: 5, misses: 3},
				// A record the system lacks is asked again every time.
				{keys: []string{"gone"}, wantAsked: []string{"gone"}, hits: 5, misses: 4},
				{keys: []string{"gone", "k1"}, wantAsked: []string{"gone"}, hits: 6, misses: 5},
			}
			for i, st := range steps {
				before, _ := u.calls()
				ps, err := src.Profiles(ctx, st.keys)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				for j, k := range st.keys {
					if k == "gone" {
						if ps[j] != nil {
							t.Fatalf("step %d: a record for %s", i, k)
						}
						continue
					}
					if ps[j] == nil || ps[j].Key != k || ps[j].Fields[connectors.FieldGivenName] != "Ana Lima" {
						t.Fatalf("step %d: record %d = %+v", i, j, ps[j])
					}
				}
				after, _ := u.calls()
				var asked []string
				if len(after) > len(before) {
					asked = after[len(after)-1]
				}
				if len(after)-len(before) > 1 || !slices.Equal(asked, st.wantAsked) {
					t.Fatalf("step %d: the system was asked %v, want %v", i, after[len(before):], st.wantAsked)
				}
				if h, ms := hits("profiles"), misses("profiles"); h != st.hits || ms != st.misses {
					t.Fatalf("step %d: hits %v misses %v, want %v %v", i, h, ms, st.hits, st.misses)
				}
			}

			// Windowed reads are cached per window.
			w5, w6 := connectors.Window{Limit: 5}, connectors.Window{Limit: 6}
			for _, w := range []connectors.Window{w5, w5, w6} {
				if _, err := src.Orders(ctx, []string{"k1"}, w); err != nil {
					t.Fatal(err)
				}
			}
			if _, orders := u.calls(); orders != 2 {
				t.Fatalf("orders calls = %d, want 2 (one per window)", orders)
			}
			if h, ms := hits("orders"), misses("orders"); h != 1 || ms != 2 {
				t.Fatalf("orders hits %v misses %v, want 1 2", h, ms)
			}

			// Invalidating a key reads it again, and only it.
			if _, err := b.Invalidate(ctx, "crm", []string{"k2"}); err != nil {
				t.Fatal(err)
			}
			if _, err := src.Profiles(ctx, []string{"k1", "k2"}); err != nil {
				t.Fatal(err)
			}
			if all, _ := u.calls(); !slices.Equal(all[len(all)-1], []string{"k2"}) {
				t.Fatalf("after invalidation the system was asked %v, want [k2]", all[len(all)-1])
			}
		})
	}
}

func TestRedisCacheIsSharedByReplicas(t *testing.T) {
	client, prefix := cacheRedisOrSkip(t)
	const salt = "a-test-salt-of-32-characters...."
	u := newCRM(t)
	ctx := t.Context()
	// Two gateways: two backends, two guards of the same system.
	b1, b2 := cache.NewRedisClient(client, prefix, salt), cache.NewRedisClient(client, prefix, salt)
	s1 := restSource(t, u, sources.Options{Cache: b1.For("crm", time.Minute, 0)}, nil)
	s2 := restSource(t, u, sources.Options{Cache: b2.For("crm", time.Minute, 0)}, nil)

	if _, err := s1.Profiles(ctx, []string{"k1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Profiles(ctx, []string{"k1"}); err != nil {
		t.Fatal(err)
	}
	if calls, _ := u.calls(); len(calls) != 1 {
		t.Fatalf("profiles calls = %d, want 1: the second replica reads the first one's entry", len(calls))
	}
	// An invalidation on the second replica reaches the first.
	if _, err := b2.Invalidate(ctx, "crm", []string{"k1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Profiles(ctx, []string{"k1"}); err != nil {
		t.Fatal(err)
	}
	if calls, _ := u.calls(); len(calls) != 2 {
		t.Fatalf("profiles calls = %d, want 2 after the invalidation", len(calls))
	}
}

// metricValue reads the counter name{connector="crm",capability} of reg.
func metricValue(t *testing.T, reg *prometheus.Registry, name, capability string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["connector"] == "crm" && labels["capability"] == capability {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestAFailingCacheReadsTheSystem(t *testing.T) {
	// Nothing listens on port 1: every cache call fails at once.
	b, err := cache.NewRedis("redis://127.0.0.1:1/0", "harmony-test", "a-test-salt-of-32-characters....")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	u := newCRM(t)
	reg := prometheus.NewRegistry()
	src := restSource(t, u, sources.Options{Cache: b.For("crm", time.Minute, 0)}, sources.NewMetrics(reg))
	for range 2 {
		ps, err := src.Profiles(t.Context(), []string{"k1"})
		if err != nil || len(ps) != 1 || ps[0] == nil || ps[0].Key != "k1" {
			t.Fatalf("profiles = %v, %v", ps, err)
		}
	}
	if calls, _ := u.calls(); len(calls) != 2 {
		t.Fatalf("profiles calls = %d, want 2: nothing was cached", len(calls))
	}
	families, _ := reg.Gather()
	errs := map[string]float64{}
	for _, f := range families {
		if f.GetName() == "harmony_cache_errors_total" {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "op" {
						errs[l.GetValue()] = m.GetCounter().GetValue()
					}
				}
			}
		}
	}
	if errs["get"] != 2 || errs["put"] != 2 {
		t.Fatalf("cache errors = %v, want 2 gets and 2 puts", errs)
	}
	if h := metricValue(t, reg, "harmony_cache_hits_total", "profiles"); h != 0 {
		t.Fatalf("hits = %v", h)
	}
}
