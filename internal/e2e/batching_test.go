package e2e

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// listQuery asks, for n customers, every field that reads a channel system.
const listQuery = `
query List($n: Int!) {
  customers(first: $n) {
    edges {
      node {
        id
        profile { givenName { value source } email { value } sources }
        identities { kind system value }
        orders(first: 5) { id source }
        interactions(first: 5) { id source }
        timeline(first: 5) { edges { node { id } } gaps { source } }
        metrics { orderCount lastContactChannel }
      }
    }
  }
}`

// dataRoutes are the simulator routes that serve customer data (listing
// routes serve identity sync only), each with the capabilities it serves.
var dataRoutes = map[string]map[string]int64{
	"crm":      {"contacts.batch_read": 1},
	"shop":     {"customers": 1, "orders": 1},
	"pos":      {"query": 2}, // one SQL statement for profiles, one for orders
	"helpdesk": {"users.show_many": 1, "conversations": 1},
	"mailing":  {"members.get": 1, "activity": 1},
	"calls":    {"contacts.get": 1, "calls": 1},
}

// upstreamCalls runs the list query for n customers and returns the calls
// each simulator route served, and the guard's count per connector and
// capability.
func upstreamCalls(t *testing.T, e *env, n int) (map[string]int64, map[string]float64) {
	t.Helper()
	before := guardCounts(t, e)
	e.demo.Simulators.Reset()
	var out struct {
		Customers struct {
			Edges []struct {
				Node struct {
					ID string `json:"id"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"customers"`
	}
	e.mustQuery(t, listQuery, map[string]any{"n": n}, &out)
	if len(out.Customers.Edges) != n {
		t.Fatalf("got %d customers, want %d", len(out.Customers.Edges), n)
	}
	served := map[string]int64{}
	for sys, routes := range dataRoutes {
		sim := e.demo.Simulators.Get(sys)
		for r := range routes {
			served[sys+" "+r] = sim.Count(r)
		}
	}
	after := guardCounts(t, e)
	delta := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			delta[k] = d
		}
	}
	return served, delta
}

// guardCounts reads harmony_connector_requests_total by connector and
// capability from the gateway's registry.
func guardCounts(t *testing.T, e *env) map[string]float64 {
	t.Helper()
	return guardSeries(t, e, "harmony_connector_requests_total")
}

// guardSeries reads a counter of the guard by connector/capability.
func guardSeries(t *testing.T, e *env, name string) map[string]float64 {
	t.Helper()
	families, err := e.gw.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetValue())
			}
			out[strings.Join(labels, "/")] = m.GetCounter().GetValue()
		}
	}
	return out
}

func TestFiftyCustomersCostOneCallPerConnectorAndCapability(t *testing.T) {
	e := boot(t)
	one, oneGuard := upstreamCalls(t, e, 1)
	fifty, fiftyGuard := upstreamCalls(t, e, 50)
	for route, n := range fifty {
		sys, r, _ := strings.Cut(route, " ")
		if limit := dataRoutes[sys][r]; n > limit {
			t.Errorf("%s served %d calls for 50 customers, want at most %d", route, n, limit)
		}
		if n > max(one[route], dataRoutes[sys][r]) {
			t.Errorf("%s served %d calls for 50 customers and %d for 1: the cost must not grow with the list", route, n, one[route])
		}
	}
	for k, n := range fiftyGuard {
		if n > 1 {
			t.Errorf("guard counted %v upstream calls for %s, want at most 1", n, k)
		}
	}
	if len(fiftyGuard) < 10 {
		t.Errorf("only %d connector/capability pairs were called: %v", len(fiftyGuard), fiftyGuard)
	}
	t.Logf("1 customer: %v\n50 customers: %v", oneGuard, fiftyGuard)
	// The guard metric is exposed on /metrics too.
	if n := testutil.CollectAndCount(e.gw.Registry, "harmony_connector_requests_total"); n == 0 {
		t.Fatal("harmony_connector_requests_total is not registered")
	}
}

// batchWaits reads how many batches each cause closed, from the loaders'
// harmony_loader_batch_wait_seconds histogram.
func batchWaits(t *testing.T, e *env) map[string]uint64 {
	t.Helper()
	closed, err := loaders.ClosedBatches(e.gw.Registry)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for cause, c := range closed {
		out[cause] = c.Batches
	}
	return out
}

// A customer 360 asked by itself waits on no batch timer: each level's
// batches leave as soon as the resolver that issued them is done (the
// identifier lookup, then the customer with its identities, then every
// system's reads at once).
func TestCustomer360WaitsOnNoBatchTimer(t *testing.T) {
	e := boot(t)
	p := richPerson(t, e.demo.Simulators.Population())
	vars := map[string]any{"system": "crm", "key": p.Key(population.CRM)}
	var out struct {
		C *customerView `json:"customerByIdentifier"`
	}
	before := batchWaits(t, e)
	e.mustQuery(t, customer360, vars, &out)
	after := batchWaits(t, e)
	if out.C == nil {
		t.Fatal("the CRM contact resolves to no customer")
	}
	held := after[loaders.ClosedByHold] - before[loaders.ClosedByHold]
	timed := after[loaders.ClosedByIdle] + after[loaders.ClosedByMax] - before[loaders.ClosedByIdle] - before[loaders.ClosedByMax]
	if timed != 0 || held < 10 {
		t.Errorf("batches closed by a timer: %d, on release: %d; want none by a timer and every system's reads on release", timed, held)
	}

	// Two root fields share their batches on the idle timer instead.
	const two = `query Two($system: String!, $key: String!) {
  a: customerByIdentifier(kind: EXTERNAL_ID, system: $system, value: $key) { id profile { sources } }
  b: customerByIdentifier(kind: EXTERNAL_ID, system: $system, value: $key) { id profile { sources } }
}`
	before = batchWaits(t, e)
	e.mustQuery(t, two, vars, nil)
	after = batchWaits(t, e)
	if n := after[loaders.ClosedByHold] - before[loaders.ClosedByHold]; n != 0 {
		t.Errorf("with two root fields %d batches closed on a release, want none: one root must not cut the other's batches", n)
	}
}
