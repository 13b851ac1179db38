package run

import (
	"strings"
	"testing"
)

// report is a run whose figures meet some targets and miss others.
func report() *Report {
	return &Report{
		Rows: []Row{
			{Profile: "latency", Op: Op360, Load: Closed, Clients: 1, Via: ViaGateway, P50MS: 21, SlowestMS: 20, Ratio: 1.05,
				Routes:  map[string]float64{"crm contacts.batch_read": 1, "pos query": 2},
				Calls:   map[string]float64{"crm profiles": 1, "pos profiles": 1, "pos orders": 1},
				Batches: map[string]BatchWait{"level": {PerOp: 16, MeanWaitMS: 0.1}}},
			{Profile: "latency", Op: Op360, Load: Closed, Clients: 10, Via: ViaGateway, P50MS: 26, SlowestMS: 20, Ratio: 1.3,
				Batches: map[string]BatchWait{"level": {PerOp: 16, MeanWaitMS: 0.1}}},
			{Profile: "latency", Op: OpList, Load: Open, Clients: 10, Via: ViaGateway, Calls: map[string]float64{"shop orders": 2}},
			{Profile: "zero", Op: Op360, Load: Closed, Clients: 10, Via: ViaGateway, RPS: 60, CPUPerOp: 250},
			{Profile: "zero", Op: Op360, Load: Closed, Clients: 10, Via: ViaBare, RPS: 100},
		},
		Scaling:    []Scaling{{Profile: "zero", Op: Op360, Workers: []int{1, 10}, RPS: []float64{50, 500}, UpstreamCPU: []float64{10, 100}, MachineBusy: []float64{0.1, 0.5}, Valid: true}},
		RSS50MB:    90,
		Serve:      ServeReport{IdleRSSMB: 40, RestRSSMB: 55, Clients: 2, CPURatio: 40, Serve: Row{CPUPerOp: 10000}, Child: Row{CPUPerOp: 250}},
		LoaderWait: LoaderWait{P50MS: 0.4},
		Peer: PeerReport{Rounds: 3, Ratios: []PeerRatio{
			{Measure: RatioThroughputBramble, Op: PeerOne, Rounds: []float64{3.2, 2.9, 3.1}, Median: 3.1, Unit: "RPS"},
			{Measure: RatioThroughputBramble, Op: PeerFifty, Rounds: []float64{1.5, 1.4, 1.6}, Median: 1.5, Unit: "RPS"},
			{Measure: RatioP50Bare, Op: PeerOne, Rounds: []float64{1.2}, Median: 1.2, Unit: "ms"},
		}},
	}
}

func verdicts(ts []Target) map[string]string {
	out := map[string]string{}
	for _, t := range ts {
		out[t.Measure] = t.Verdict
	}
	return out
}

func TestTargetsJudgeTheMeasuredRows(t *testing.T) {
	got := verdicts(targets(report()))
	for measure, want := range map[string]string{
		"bare fan-out of customer360 scales with workers, zero upstreams":                                               "valid",
		"upstream calls per (connector, capability) per operation, any operation":                                       VerdictNotMet, // list50 called shop orders twice
		"CPU per customer 360, 0 ms upstreams, 10 in flight (gateway child)":                                            VerdictMet,    // 250 ≤ 300
		"customer 360 throughput ÷ bare fan-out, 0 ms, 10 in flight":                                                    VerdictMet,    // 0.6 ≥ 0.5
		"customer 360 p50 ÷ slowest upstream, 1 in flight":                                                              VerdictMet,    // 1.05 ≤ 1.08
		"customer 360 p50 ÷ slowest upstream, 10 in flight":                                                             VerdictNotMet, // 1.3 > 1.20
		"peak RSS, customer 360 at 50 in flight (gateway child)":                                                        VerdictNotMet, // 90 > 80
		"RSS of harmony serve at rest (embedded store, demo configuration), the higher of once ready and after serving": VerdictMet,    // 55 ≤ 60
		"dataloader wait per level":                                                                                     VerdictMet,
		RatioThroughputBramble + ", " + PeerOne:                                                                         VerdictMet,    // 3.1 ≥ 3
		RatioThroughputBramble + ", " + PeerFifty:                                                                       VerdictNotMet, // 1.5 < 2
		RatioP50Bare + ", " + PeerOne:                                                                                   VerdictNone,   // shown, no target
	} {
		if got[measure] != want {
			t.Errorf("%s: verdict %q, want %q", measure, got[measure], want)
		}
	}
	for m, v := range got {
		if strings.HasPrefix(m, "CPU per customer 360, harmony serve") && v != VerdictNotMet {
			t.Errorf("%s: verdict %q, want not met (40 > 1.5)", m, v)
		}
	}
}

// An instrument that does not scale makes the ratios to the bare fan-out
// invalid rather than met.
func TestInvalidInstrumentVoidsTheBareRatio(t *testing.T) {
	r := report()
	r.Scaling[0].Valid, r.Scaling[0].Verdict = false, "does not scale: 1→10 workers: ×1.10"
	got := verdicts(targets(r))
	if v := got["customer 360 throughput ÷ bare fan-out, 0 ms, 10 in flight"]; !strings.HasPrefix(v, "invalid") {
		t.Errorf("throughput ratio verdict %q, want invalid", v)
	}
	if v := got["bare fan-out of customer360 scales with workers, zero upstreams"]; !strings.HasPrefix(v, "INVALID") {
		t.Errorf("scaling verdict %q, want INVALID", v)
	}
}

// Without bramble the peer's bramble ratios say so plainly.
func TestBrambleRatiosSkipped(t *testing.T) {
	rep := &PeerReport{Rounds: 1, Skipped: "skipped: BRAMBLE not set", Results: []PeerResult{
		{Round: 1, Contender: HarmonyMemory, Op: PeerOne, Clients: peerClients, RPS: 300},
		{Round: 1, Contender: Bare, Op: PeerOne, Clients: peerClients, RPS: 600},
	}}
	rep.Ratios = peerRatios(rep)
	r := report()
	r.Peer = *rep
	got := verdicts(targets(r))
	if v := got[RatioThroughputBramble+", "+PeerOne]; v != "skipped: BRAMBLE not set" {
		t.Errorf("bramble ratio verdict %q", v)
	}
	if pr, ok := rep.ratio(RatioThroughputBare, PeerOne); !ok || pr.Median != 0.5 {
		t.Errorf("Harmony ÷ bare = %+v, want 0.5", pr)
	}
}

func TestPeerRatiosAreMediansOfRounds(t *testing.T) {
	rep := &PeerReport{Rounds: 3}
	for i, pair := range [][2]float64{{300, 100}, {200, 100}, {450, 100}} {
		rep.Results = append(rep.Results,
			PeerResult{Round: i + 1, Contender: HarmonyMemory, Op: PeerFifty, Clients: peerClients, RPS: pair[0], CPUPerOp: 1000},
			PeerResult{Round: i + 1, Contender: Bramble, Op: PeerFifty, Clients: peerClients, RPS: pair[1], CPUPerOp: 4000})
	}
	rep.Ratios = peerRatios(rep)
	pr, _ := rep.ratio(RatioThroughputBramble, PeerFifty)
	if pr.Median != 3 || len(pr.Rounds) != 3 || pr.Num != 300 || pr.Den != 100 {
		t.Errorf("throughput ratio %+v, want median 3 of rounds 3, 2, 4.5", pr)
	}
	if cpu, _ := rep.ratio(RatioCPUBramble, PeerFifty); cpu.Median != 0.25 {
		t.Errorf("CPU ratio %+v, want 0.25", cpu)
	}
	if one, _ := rep.ratio(RatioThroughputBramble, PeerOne); len(one.Rounds) != 0 {
		t.Errorf("one customer was not measured, got %+v", one)
	}
}

func TestCheckMemLimit(t *testing.T) {
	for _, tc := range []struct {
		v  string
		ok bool
	}{
		{"", true},
		{"off", true},
		{"48MiB", true},
		{"50331648", true},
		{"1GiB", true},
		{"48MB", false}, // the runtime takes binary units only
		{"48 MiB", false},
		{"-1", false},
		{"MiB", false},
	} {
		if err := checkMemLimit(tc.v); (err == nil) != tc.ok {
			t.Errorf("checkMemLimit(%q) = %v, want ok %v", tc.v, err, tc.ok)
		}
	}
}

func TestServeLine(t *testing.T) {
	for line, want := range map[string]string{
		"  graphql:    http://127.0.0.1:40123/graphql": "127.0.0.1:40123",
		"  playground: http://127.0.0.1:40123/":        "",
		"Harmony is ready.":                            "",
	} {
		got, ok := serveLine(line)
		if got != want || ok != (want != "") {
			t.Errorf("serveLine(%q) = %q %v, want %q", line, got, ok, want)
		}
	}
}

// One batch on the safety timer per operation fails the loader target.
func TestSafetySendFailsTheLoaderTarget(t *testing.T) {
	r := report()
	r.Rows[1].Batches["safety"] = BatchWait{PerOp: 1, MeanWaitMS: 1000}
	if v := verdicts(targets(r))["dataloader wait per level"]; v != VerdictNotMet {
		t.Errorf("loader wait verdict %q with a batch on the safety timer, want not met", v)
	}
}
