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
	items    *prometheus.CounterVec
	retries  *prometheus.CounterVec
	stale    *prometheus.CounterVec
	breaker  *prometheus.GaugeVec
	inFlight *prometheus.GaugeVec

	cacheHits   *prometheus.CounterVec
	cacheMisses *prometheus.CounterVec
	cacheErrors *prometheus.CounterVec
	// cacheInvalidated counts entries dropped by webhooks.
	cacheInvalidated *prometheus.CounterVec
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
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_connector_items_total",
			Help: "Orders or interactions upstream calls returned, before the guard trims them to the window asked.",
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
		cacheHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_cache_hits_total",
			Help: "Keys answered from a connector's read cache.",
		}, []string{"connector", "capability"}),
		cacheMisses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_cache_misses_total",
			Help: "Keys a connector's read cache did not hold, read from the system.",
		}, []string{"connector", "capability"}),
		cacheErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_cache_errors_total",
			Help: "Cache backend failures (get, put, invalidate); a failed get reads the system.",
		}, []string{"connector", "op"}),
		cacheInvalidated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_cache_invalidated_total",
			Help: "Cache entries dropped because a webhook reported their customer changed.",
		}, []string{"connector"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.errors, m.duration, m.keys, m.items, m.retries, m.stale, m.breaker, m.inFlight,
			m.cacheHits, m.cacheMisses, m.cacheErrors, m.cacheInvalidated)
	}
	return m
}
