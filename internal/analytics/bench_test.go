package analytics_test

import (
	"strconv"
	"testing"

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
	facts := make([]*analytics.Facts, len(raw))
	for i := range raw {
		facts[i] = analytics.FactsOf(raw[i].input())
	}
	p := analytics.NewProjection()
	byID := make(map[string]*analytics.Facts, len(facts))
	for i, f := range facts {
		byID[strconv.Itoa(i)] = f
	}
	p.Replace(byID, shapesNow, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := analytics.Analyze(p.Snapshot(nil, true).Facts, analytics.Options{Now: shapesNow})
		if r.Customers != benchCustomers {
			b.Fatalf("%d customers", r.Customers)
		}
	}
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
	for range b.N {
		for i := range inputs {
			analytics.FactsOf(inputs[i])
		}
	}
}
