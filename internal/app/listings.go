package app

import (
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harmonyhq/harmony/internal/identity"
)

// listings is what the last identity sync said of each source's listing:
// the sources whose listing failed or was incomplete, shown on /readyz, and
// the listing metrics. Codes and connector names only, never data.
type listings struct {
	mu     sync.Mutex
	failed []identity.FailedSource
	// standIn names the failed sources whose snapshot stood in.
	standIn []string

	failures *prometheus.CounterVec
	failing  *prometheus.GaugeVec
}

func newListings(reg prometheus.Registerer) *listings {
	l := &listings{
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "harmony_identity_listing_failures_total",
			Help: "Identity sync listings that failed or ended incomplete, by connector and code."}, []string{"connector", "code"}),
		failing: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "harmony_identity_listing_failed",
			Help: "1 when the last identity sync's listing of the connector failed or was incomplete (that sync linked nothing), else 0."}, []string{"connector"}),
	}
	if reg != nil {
		reg.MustRegister(l.failures, l.failing)
	}
	return l
}

// record keeps what a sync reported of the sources it listed.
func (l *listings) record(listed []string, rep identity.Report) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failed = slices.Clone(rep.Failed)
	l.standIn = slices.Clone(rep.FromSnapshot)
	// Connectors removed by a reload leave the gauge.
	l.failing.Reset()
	for _, name := range listed {
		l.failing.WithLabelValues(name).Set(0)
	}
	for _, f := range rep.Failed {
		l.failures.WithLabelValues(f.Name, string(f.Code)).Inc()
		l.failing.WithLabelValues(f.Name).Set(1)
	}
}

// ready adds the last sync's failed listings to /readyz's parts: the
// identity part is "degraded" and each failed source has a part
// "listing:<connector>" holding its code. Like a degraded connector, this
// leaves the gateway ready: identities already linked keep serving, and
// lookups still link new identifiers.
func (l *listings) ready(parts map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failed) == 0 {
		return
	}
	if parts["identity"] == "ok" {
		parts["identity"] = "degraded"
	}
	for _, f := range l.failed {
		parts["listing:"+f.Name] = "failed: " + string(f.Code)
		if slices.Contains(l.standIn, f.Name) {
			parts["listing:"+f.Name] += " (its last complete listing stands in)"
		}
	}
}
