package run

import (
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/gateway"
	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
)

// The bare fan-out runs the point of sale's configured queries with the
// reads the gateway recorded, placeholders numbered as the connector does.
func TestStatementsReplayTheConfiguredQueries(t *testing.T) {
	b, err := demoConfig()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{DataDirVar: t.TempDir(), "POS_DSN": "postgres://127.0.0.1:1/pos?search_path=pos_x"}
	for _, v := range demoVars {
		env[v] = "http://x"
	}
	cfg, err := config.Parse("bench-demo.yaml", b, lookupIn(env))
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st, dsn, err := statements(cfg, []gateway.SQLCall{
		{Connector: "pos", Capability: connectors.CapProfiles, Keys: []string{"P-1"}},
		{Connector: "pos", Capability: connectors.CapOrders, Keys: []string{"P-1", "P-2"}, Since: since, Limit: 6},
	})
	if err != nil {
		t.Fatal(err)
	}
	if dsn != env["POS_DSN"] || len(st) != 2 {
		t.Fatalf("dsn %q, %d statements", dsn, len(st))
	}
	if !strings.Contains(st[0].Query, "= ANY($1)") || len(st[0].Args) != 1 {
		t.Errorf("profiles: %q %v", st[0].Query, st[0].Args)
	}
	// keys, since, until, limit in order of first appearance.
	args := st[1].Args
	if len(args) != 4 || args[1] != any(since) || args[2] != nil || args[3] != int64(6) || strings.Contains(st[1].Query, ":keys") {
		t.Errorf("orders: %q %v", st[1].Query, args)
	}
	if _, _, err := statements(cfg, []gateway.SQLCall{{Connector: "crm", Capability: connectors.CapProfiles}}); err == nil {
		t.Error("a read of a connector that is not sql was replayed")
	}
}

func TestPeerStepsInterleaveEveryContender(t *testing.T) {
	count := func(steps []peerStep, c string) int {
		n := 0
		for _, s := range steps {
			if s.contender == c {
				n++
			}
		}
		return n
	}
	r1, r2 := peerSteps(1, true), peerSteps(2, true)
	for _, c := range []string{Bare, Bramble, HarmonyMemory, HarmonyServe} {
		if count(r1, c) == 0 {
			t.Errorf("round 1 leaves out %s", c)
		}
	}
	if r1[0].contender == r2[0].contender {
		t.Errorf("both rounds start with %s", r1[0].contender)
	}
	if count(peerSteps(1, false), Bramble) != 0 {
		t.Error("bramble steps without bramble")
	}
	for _, s := range r1 {
		if s.contender == HarmonyServe && s.clients != serveClients {
			t.Errorf("the embedded store at %d in flight", s.clients)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}
