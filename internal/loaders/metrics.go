package loaders

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// How a batch came to be sent: the last selected field of a level issued
// its reads (level), a caller outside any level waited on it (wait), or
// dataloader's safety timer fired because a field never arrived (safety: a
// bug, see safetyWait).
const (
	ClosedByLevel  = "level"
	ClosedByWait   = "wait"
	ClosedBySafety = "safety"
)

// Metrics are the loaders' series: how long each batch stayed open after
// its last key, by what closed it. Nil records nothing.
type Metrics struct {
	wait *prometheus.HistogramVec
}

// NewMetrics registers the loaders' series with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "harmony_loader_batch_wait_seconds",
		Help:    "Time from a batch's last key to its dispatch to the connector or store, by what sent the batch (level: the last selected field of a level issued its reads; wait: a resolver outside any level waited on it; safety: dataloader's one-second net fired, a bug).",
		Buckets: []float64{0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0015, 0.002, 0.005, 0.01, 0.025},
	}, []string{"closed_by"})}
	reg.MustRegister(m.wait)
	return m
}

func (m *Metrics) observe(closedBy string, wait time.Duration) {
	if m == nil {
		return
	}
	m.wait.WithLabelValues(closedBy).Observe(wait.Seconds())
}

// Closed is what one cause closed: batches and their total wait.
type Closed struct {
	Batches     uint64
	WaitSeconds float64
}

// ClosedBatches reads harmony_loader_batch_wait_seconds from g: the batches
// each cause closed so far.
func ClosedBatches(g prometheus.Gatherer) (map[string]Closed, error) {
	families, err := g.Gather()
	if err != nil {
		return nil, fmt.Errorf("gather loader metrics: %w", err)
	}
	out := map[string]Closed{}
	for _, f := range families {
		if f.GetName() != "harmony_loader_batch_wait_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "closed_by" {
					out[l.GetValue()] = Closed{Batches: m.GetHistogram().GetSampleCount(), WaitSeconds: m.GetHistogram().GetSampleSum()}
				}
			}
		}
	}
	return out, nil
}
