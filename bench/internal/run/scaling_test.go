package run

import (
	"strings"
	"testing"
)

func TestJudgeScaling(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rps   []float64
		own   []float64
		valid bool
		why   string
	}{
		{"grows with workers", []float64{45, 430, 1500}, []float64{0.1, 0.4, 1.9}, true, ""},
		// 1→10 gives ×4 of an ideal ×10: a route caps it while the cores idle.
		{"capped by an upstream", []float64{45, 180, 185}, []float64{0.1, 0.3, 0.3}, false, "1→10 workers: ×4.00"},
		// The bench saturates the cores at 10 and throughput holds: the bound is the CPU.
		{"saturated cores", []float64{600, 1400, 1300}, []float64{1, 1.8, 1.9}, true, ""},
		// Saturated but throughput collapsed: something queues.
		{"collapse", []float64{600, 1400, 700}, []float64{1, 1.8, 1.9}, false, "10→50 workers: ×0.50"},
		// Flat with the cores taken by other work: not the bench's saturation.
		{"busy machine", []float64{600, 700, 690}, []float64{0.9, 1.0, 1.0}, false, "1→10 workers: ×1.17 (ideal ×10), the bench and upstreams using 1.00 of 2 cores, the machine 100% busy (other work held the cores"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := judgeScaling(Scaling{Workers: []int{1, 10, 50}, RPS: tc.rps, OwnCores: tc.own, MachineBusy: []float64{1, 1, 1}, Cores: 2})
			if ok != tc.valid || !strings.Contains(why, tc.why) {
				t.Errorf("judgeScaling = %v %q, want %v containing %q", ok, why, tc.valid, tc.why)
			}
		})
	}
	if ok, _ := judgeScaling(Scaling{Workers: []int{1}, RPS: []float64{5}, OwnCores: []float64{0}, MachineBusy: []float64{0}, Cores: 2}); ok {
		t.Error("one step judged valid")
	}
}
