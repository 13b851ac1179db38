package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's own series and its request log. Neither carries
// variables, query text or customer data: operation names and outcomes only.
type metrics struct {
	log        *slog.Logger
	operations *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	requests   *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, log *slog.Logger) *metrics {
	m := &metrics{
		log: log,
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_graphql_operations_total",
			Help: "GraphQL operations by type and outcome (ok, partial, error).",
		}, []string{"type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "harmony_graphql_operation_duration_seconds",
			Help:    "Time to the complete response of a GraphQL operation.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"type"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_http_requests_total",
			Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
	}
	reg.MustRegister(m.operations, m.duration, m.requests)
	// Process and Go runtime series, registered once per registry.
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// operation records one GraphQL operation when its response is complete.
func (m *metrics) operation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	start := time.Now()
	oc := graphql.GetOperationContext(ctx)
	typ := "unknown"
	if oc.Operation != nil {
		typ = string(oc.Operation.Operation)
	}
	respond := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := respond(ctx)
		if resp == nil {
			return nil
		}
		outcome := "ok"
		if len(resp.Errors) > 0 {
			outcome = "partial"
			if len(resp.Data) == 0 || string(resp.Data) == "null" {
				outcome = "error"
			}
		}
		m.operations.WithLabelValues(typ, outcome).Inc()
		m.duration.WithLabelValues(typ).Observe(time.Since(start).Seconds())
		m.log.InfoContext(ctx, "graphql operation", "operation", oc.OperationName, "type", typ,
			"outcome", outcome, "errors", len(resp.Errors), "duration_ms", float64(time.Since(start).Microseconds())/1000)
		return resp
	}
}

// http counts requests by route.
func (m *metrics) http(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		m.requests.WithLabelValues(route(r.URL.Path), strconv.Itoa(sw.code)).Inc()
	})
}

// route keeps metric labels bounded: known paths, else "other".
func route(p string) string {
	switch p {
	case "/graphql", "/healthz", "/readyz", "/metrics", "/", "/playground", "/console", "/console/":
		return p
	}
	for _, prefix := range []string{"/playground/assets/", "/console/assets/", "/webhooks/"} {
		if strings.HasPrefix(p, prefix) && len(p) > len(prefix) {
			return prefix
		}
	}
	return "other"
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (websockets,
// flushing for SSE).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush implements http.Flusher: gqlgen's SSE transport asserts it rather
// than using http.ResponseController.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }
