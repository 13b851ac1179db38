package analytics_test

import (
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/analytics"
	"github.com/harmonyhq/harmony/internal/kpi"
)

// benchCustomers is the size of the base the figures must answer for in
// seconds.
const benchCustomers = 100_000

// BenchmarkAnalyze is one answer over the whole base: every figure of the
// analytics page from the projection, 100,000 synthetic customers.
func BenchmarkAnalyze(b *testing.B) {
	raw := shapes(2026, benchCustomers)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	facts := make([]*analytics.Facts, len(raw))
	for i := range raw {
		facts[i] = analytics.FactsOf(raw[i].input())
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(raw) // live across both readings: only the facts differ
	retained := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	p := analytics.NewProjection()
	byID := make(map[string]*analytics.Facts, len(facts))
	for i, f := range facts {
		byID[strconv.Itoa(i)] = f
	}
	p.Replace(byID, shapesNow, nil)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for range b.N {
		r := analytics.Analyze(p.Snapshot(nil, true).Facts, analytics.Options{Now: shapesNow})
		if r.Customers != benchCustomers {
			b.Fatalf("%d customers", r.Customers)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(retained/benchCustomers, "facts-B/customer")
	runtime.KeepAlive(facts)
}

// cpuTime is the process's user and system CPU time so far: on a machine
// others share, the CPU a run takes says more than its wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFactsOf is the projection's CPU cost per build: reducing
// 100,000 customers' orders and interactions to their facts (the systems'
// reads aside).
func BenchmarkFactsOf(b *testing.B) {
	raw := shapes(2026, benchCustomers)
	inputs := make([]kpi.Input, len(raw))
	for i := range raw {
		inputs[i] = raw[i].input()
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for range b.N {
		for i := range inputs {
			analytics.FactsOf(inputs[i])
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
}
