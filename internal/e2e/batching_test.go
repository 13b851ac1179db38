package e2e

import (
	"strings"
	"sync"
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

// batchWaits reads how many batches each cause sent, from the loaders'
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

// everyField selects every field of Customer, each on its own or all
// together, for one customer by ID and for a page of customers.
var everyField = map[string]string{
	"createdAt":       `createdAt`,
	"profile":         `profile { givenName { value source } sources }`,
	"identities":      `identities { kind system }`,
	"orders":          `orders(first: 3) { id source }`,
	"interactions":    `interactions(first: 3) { id source }`,
	"timeline":        `timeline(first: 4) { edges { node { id } } gaps { source } }`,
	"mergedIds":       `mergedIds`,
	"identityHistory": `identityHistory(first: 2) { edges { node { action } } }`,
	"conversations":   `conversations(first: 2) { edges { node { id channels } } }`,
	"metrics":         `metrics { orderCount lastContactChannel }`,
	"consents":        `consents { purpose channel }`,
	"erasedAt":        `erasedAt`,
	"emailEngagement": `emailEngagement(first: 3) { id }`,
	"recommendations": `recommendations(first: 3) { status items { sku reason { text } } }`,
}

// storeFinds counts the profile store's find commands by collection.
func storeFinds(e *env) map[string]int64 {
	out := map[string]int64{}
	for _, c := range []string{"customers", "identities", "consents", "events", "identity_history"} {
		out[c] = e.gw.Store.Commands("find", c)
	}
	return out
}

// cpuHogs keeps n goroutines spinning until the test ends, so that the
// executor's goroutines are scheduled late and out of order, as on a busy
// machine.
func cpuHogs(t *testing.T, n int) {
	t.Helper()
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			x := 0
			for {
				select {
				case <-done:
					return
				default:
					for i := range 1 << 16 {
						x += i
					}
				}
			}
		})
	}
	t.Cleanup(func() { close(done); wg.Wait() })
}

// Every Customer field, alone and all together, over one customer and a
// page of 50, with three CPU-bound competitors running: each connector and
// capability is called at most once per operation, each store collection
// read at most once per level, and no batch waits on a timer.
func TestEveryCustomerFieldIsOneCallPerLevel(t *testing.T) {
	e := boot(t)
	cpuHogs(t, 3)
	p := richPerson(t, e.demo.Simulators.Population())
	var one struct {
		C struct {
			ID string `json:"id"`
		} `json:"customerByIdentifier"`
	}
	e.mustQuery(t, `query($key: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: "crm", value: $key) { id } }`,
		map[string]any{"key": p.Key(population.CRM)}, &one)
	all := make([]string, 0, len(everyField))
	for _, sel := range everyField {
		all = append(all, sel)
	}
	cases := map[string]string{"every field": strings.Join(all, "\n")}
	for name, sel := range everyField {
		cases[name] = sel
	}
	// run runs op and returns the upstream calls per connector and
	// capability, and the store's finds per collection, it cost.
	query := func(t *testing.T, op string, vars map[string]any) {
		t.Helper()
		waits := batchWaits(t, e)
		// Nobody consented to marketing e-mail: emailEngagement is refused
		// by its directive, which is one more way for a field of a level to
		// end.
		for _, err := range e.query(t, op, vars, nil).Errors {
			if err.Extensions["code"] != "CONSENT_REQUIRED" {
				t.Errorf("error %+v", err)
			}
		}
		if d := batchWaits(t, e)[loaders.ClosedBySafety] - waits[loaders.ClosedBySafety]; d != 0 {
			t.Errorf("%d batches waited on the safety timer: a selected field never arrived", d)
		}
	}
	// run runs op twice and returns the upstream calls per connector and
	// capability of the first run, and the store's finds per collection of
	// the second: once the store cache holds the customers, what is left
	// is what a level reads. (On a miss the embedded store reads each
	// customer by _id, one find per customer, by design: docs/operations.md.)
	run := func(t *testing.T, op string, vars map[string]any) (map[string]float64, map[string]int64) {
		t.Helper()
		calls := guardCounts(t, e)
		query(t, op, vars)
		dc := map[string]float64{}
		for k, n := range guardCounts(t, e) {
			if d := n - calls[k]; d > 0 {
				dc[k] = d
			}
		}
		finds := storeFinds(e)
		query(t, op, vars)
		df := map[string]int64{}
		for c, n := range storeFinds(e) {
			df[c] = n - finds[c]
		}
		return dc, df
	}
	for name, sel := range cases {
		t.Run(name, func(t *testing.T) {
			oneCalls, oneFinds := run(t, `query($id: ID!) { customer(id: $id) { id `+sel+` } }`, map[string]any{"id": one.C.ID})
			pageCalls, pageFinds := run(t, `query { customers(first: 50) { edges { node { id `+sel+` } } } }`, nil)
			for _, calls := range []map[string]float64{oneCalls, pageCalls} {
				for k, n := range calls {
					if n > 1 {
						t.Errorf("%s was called %v times, want once", k, n)
					}
				}
			}
			// A store collection is read as often for 50 customers as for
			// one: the page's own search replaces the root's read by ID.
			for c, n := range pageFinds {
				if n > max(oneFinds[c], 1) {
					t.Errorf("%d finds in the store's %s for 50 customers, %d for one", n, c, oneFinds[c])
				}
			}
			t.Logf("one customer: %v %v; 50 customers: %v %v", oneCalls, oneFinds, pageCalls, pageFinds)
		})
	}
}

// Two root fields each read as their own level, and neither waits on a
// timer for the other.
func TestTwoRootFieldsWaitOnNoTimer(t *testing.T) {
	e := boot(t)
	p := richPerson(t, e.demo.Simulators.Population())
	vars := map[string]any{"system": "crm", "key": p.Key(population.CRM)}
	const two = `query Two($system: String!, $key: String!) {
  a: customerByIdentifier(kind: EXTERNAL_ID, system: $system, value: $key) { id profile { sources } orders(first: 2) { id } }
  b: customerByIdentifier(kind: EXTERNAL_ID, system: $system, value: $key) { id profile { sources } metrics { orderCount } }
}`
	before := batchWaits(t, e)
	var out struct {
		A *struct{ ID string } `json:"a"`
		B *struct{ ID string } `json:"b"`
	}
	e.mustQuery(t, two, vars, &out)
	after := batchWaits(t, e)
	if out.A == nil || out.B == nil || out.A.ID != out.B.ID {
		t.Fatalf("the two roots answered %+v and %+v", out.A, out.B)
	}
	if d := after[loaders.ClosedBySafety] - before[loaders.ClosedBySafety]; d != 0 {
		t.Errorf("%d batches waited on the safety timer", d)
	}
	if d := after[loaders.ClosedByLevel] - before[loaders.ClosedByLevel]; d < 2 {
		t.Errorf("%d batches sent by a level, want the two roots' own", d)
	}
}
