package run

import "testing"

func TestTargetsJudgeTheMeasuredRows(t *testing.T) {
	r := &Report{
		Rows: []Row{
			{Profile: "latency", Op: "customer360", Clients: 1, Via: "gateway", P50MS: 21, SlowestMS: 20, Ratio: 1.05,
				Routes:  map[string]float64{"crm contacts.batch_read": 1, "shop orders": 1},
				Batches: map[string]BatchWait{"level": {PerOp: 16, MeanWaitMS: 0.1}}},
			{Profile: "latency", Op: "customer360", Clients: 10, Via: "gateway", P50MS: 26, SlowestMS: 20, Ratio: 1.3,
				Batches: map[string]BatchWait{"level": {PerOp: 16, MeanWaitMS: 0.1}}},
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
		true,  // every batch of the 360 sent by its level
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
	// One batch on the safety timer per operation fails the loader target.
	r.Rows[1].Batches["safety"] = BatchWait{PerOp: 1, MeanWaitMS: 1000}
	if got := targets(r); got[len(got)-1].Met {
		t.Errorf("loader wait met with a batch on the safety timer: %s", got[len(got)-1].Value)
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
