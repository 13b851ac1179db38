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
	retries  *prometheus.CounterVec
	stale    *prometheus.CounterVec
	breaker  *prometheus.GaugeVec
	inFlight *prometheus.GaugeVec
}

// Breaker states as harmony_connector_breaker_state reports them.
const (
	breakerClosed   = 0
	breakerHalfOpen = 1
	breakerOpen     = 2
)

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
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_connector_retries_total",
			Help: "Upstream calls retried after a retryable failure.",
		}, []string{"connector", "capability"}),
		stale: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_connector_stale_served_total",
			Help: "Keys answered from the last good value after an upstream failure.",
		}, []string{"connector", "capability"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "harmony_connector_breaker_state",
			Help: "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
		}, []string{"connector"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "harmony_connector_in_flight",
			Help: "Upstream calls in flight, bounded by max_in_flight.",
		}, []string{"connector"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.errors, m.duration, m.keys, m.retries, m.stale, m.breaker, m.inFlight)
	}
	return m
}
