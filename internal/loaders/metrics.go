package loaders

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// How a batch came to close: the last hold on the operation's gate was
// released (the resolver that issued the keys knew it was done: no wait at
// all), no key came for the idle wait, or the batch reached MaxWait.
const (
	ClosedByHold = "hold"
	ClosedByIdle = "idle"
	ClosedByMax  = "max"
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
		Help:    "Time from a batch's last key to its dispatch to the connector or store, by what closed the batch (hold: flushed as soon as the resolver that issued the keys was done; idle: no key came for loaders.wait; max: the batch reached its cap).",
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
