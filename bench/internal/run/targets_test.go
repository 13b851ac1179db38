package run

import "testing"

func TestTargetsJudgeTheMeasuredRows(t *testing.T) {
	r := &Report{
		Rows: []Row{
			{Profile: "latency", Op: "customer360", Clients: 1, Via: "gateway", P50MS: 21, SlowestMS: 20, Ratio: 1.05,
				Routes: map[string]float64{"crm contacts.batch_read": 1, "shop orders": 1}},
			{Profile: "latency", Op: "customer360", Clients: 10, Via: "gateway", P50MS: 26, SlowestMS: 20, Ratio: 1.3},
			{Profile: "latency", Op: "list50", Clients: 1, Via: "gateway", Routes: map[string]float64{"shop orders": 2}},
			{Profile: "zero", Op: "customer360", Clients: 10, Via: "gateway", CPUPerOp: 250},
		},
		Throughput: []Throughput{{Op: "customer360", Gateway: 60, Bare: 100, Ratio: 0.6, CPUPerOp: 280}},
		RSS50MB:    90,
		LoaderWait: LoaderWait{P50MS: 0.4},
	}
	want := []bool{
		false, // list50 called shop orders twice per operation
		true,  // 1.05 ≤ 1.08
		false, // 1.3 > 1.20
		true,  // 280 µs ≤ 300 µs
		true,  // 0.6 ≥ 0.5
		false, // 90 MB > 80 MB
		true,  // 0.4 ms ≤ 1 ms
	}
	got := targets(r)
	if len(got) != len(want) {
		t.Fatalf("%d targets, want %d: %+v", len(got), len(want), got)
	}
	for i, tg := range got {
		if tg.Met != want[i] {
			t.Errorf("%s: met = %v, want %v (value %s)", tg.Measure, tg.Met, want[i], tg.Value)
		}
	}
}
