package sources

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the guard's Prometheus series, labelled by connector instance
// name and capability. Labels never carry keys or customer data.
type Metrics struct {
	requests *prometheus.CounterVec
	errors   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	keys     *prometheus.HistogramVec
}

// NewMetrics creates the series and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_connector_requests_total",
			Help: "Upstream calls made through a connector, one per batch chunk.",
		}, []string{"connector", "capability"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_connector_errors_total",
			Help: "Upstream calls that failed, by failure code.",
		}, []string{"connector", "capability", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "harmony_connector_request_duration_seconds",
			Help:    "Latency of upstream calls.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"connector", "capability"}),
		keys: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "harmony_connector_batch_keys",
			Help:    "Keys per upstream call.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500},
		}, []string{"connector", "capability"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.errors, m.duration, m.keys)
	}
	return m
}
