package clustertest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/docs/queries"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// TestCompareStores measures `harmony serve` on the shared store (the
// store server over PostgreSQL) beside `harmony serve` on the embedded
// store (FerretDB over SQLite in process): the saved Customer360
// operation, one client, over the same customers, alternating between
// the two. It is a measurement, not a check, and runs only when
// HARMONY_CLUSTER_COMPARE is set (to the number of requests per store;
// "1" gives 300): docs/deploy.md quotes it.
func TestCompareStores(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("HARMONY_CLUSTER_COMPARE"))
	if err != nil || n < 1 {
		t.Skip("a measurement: HARMONY_CLUSTER_COMPARE=300 runs it")
	}
	if n == 1 {
		n = 300
	}
	b := startBase(t)
	shared := b.serve(t, "shared", configOptions{suffix: b.suffix + "s", syncOnStart: true})
	embedded := b.serve(t, "embedded", configOptions{suffix: b.suffix + "e", syncOnStart: true, embedded: filepath.Join(b.dir, "embedded")})

	var q360 string
	for _, q := range queries.All() {
		if q.Name == "customer-360" || q.Name == "2-customer-360" {
			q360 = q.Query
		}
	}
	if q360 == "" {
		t.Fatal("no saved customer-360 operation")
	}
	client := clientFrom(loopbackSource())
	c := &cluster{sims: b.sims, client: client, replicas: []*process{shared}}
	var ids []string
	for _, m := range b.sims.Population().Members(population.CRM)[:50] {
		ids = append(ids, c.customerOf(t, shared, population.CRM, m.Key(population.CRM)))
	}
	measure := func(p *process, i int) time.Duration {
		t0 := time.Now()
		status, r, err := postWith(context.Background(), client, p, q360, map[string]any{"id": ids[i%len(ids)]})
		if err != nil || status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("%s: %d, %v, %d errors", p.name, status, err, len(r.Errors))
		}
		return time.Since(t0)
	}
	for i := range len(ids) { // warm-up: every customer once on each
		measure(shared, i)
		measure(embedded, i)
	}
	var onShared, onEmbedded []time.Duration
	for i := range n {
		onShared = append(onShared, measure(shared, i))
		onEmbedded = append(onEmbedded, measure(embedded, i))
	}
	for _, r := range []struct {
		name string
		d    []time.Duration
	}{{"shared store (store server over PostgreSQL)", onShared}, {"embedded store (FerretDB over SQLite, in process)", onEmbedded}} {
		slices.Sort(r.d)
		t.Logf("customer 360, %d requests, one client, %s: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms",
			len(r.d), r.name, ms(r.d[len(r.d)/2]), ms(r.d[len(r.d)*95/100]), ms(r.d[len(r.d)*99/100]))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
