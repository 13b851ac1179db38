package config

import (
	"cmp"
	"net/url"
	"strings"
)

// Tracing exporters.
const (
	// TracingNone records no spans: the tracer is a no-op. The default.
	TracingNone = "none"
	// TracingOTLP sends spans to an OpenTelemetry collector over OTLP/HTTP.
	TracingOTLP = "otlp"
	// TracingStdout writes spans as JSON to standard output, for
	// development.
	TracingStdout = "stdout"
)

// DefaultTracingSampleRatio samples every trace when tracing is on.
const DefaultTracingSampleRatio = 1.0

// Tracing configures OpenTelemetry traces: one span per operation, per
// resolver that fetches, per loader batch and per upstream call. Spans name
// operations, connectors and capabilities and count keys; variables, keys,
// query text and personal data are never recorded (a query is identified by
// the SHA-256 of its document).
type Tracing struct {
	// Exporter is none (default), otlp or stdout.
	Exporter string `yaml:"exporter" jsonschema:"enum=none,enum=otlp,enum=stdout"`
	// Endpoint is the OTLP/HTTP collector URL
	// ("http://127.0.0.1:4318/v1/traces"); required with otlp. Its
	// scheme decides TLS.
	Endpoint string `yaml:"endpoint"`
	// SampleRatio is the share of traces recorded, in [0, 1]: 1 records
	// every trace (default), 0.1 one in ten. A trace started by the caller
	// (a traceparent header) follows the caller's decision.
	SampleRatio *float64 `yaml:"sample_ratio"`
	// ServiceName is the service.name resource attribute. Default
	// "harmony".
	ServiceName string `yaml:"service_name"`
}

// Enabled reports whether spans are exported.
func (t Tracing) Enabled() bool { return t.Exporter != "" && t.Exporter != TracingNone }

// Ratio is the sample ratio, the default when unset.
func (t Tracing) Ratio() float64 {
	if t.SampleRatio == nil {
		return DefaultTracingSampleRatio
	}
	return *t.SampleRatio
}

func (t *Tracing) defaults() {
	if t.Exporter == "" {
		t.Exporter = TracingNone
	}
	if t.ServiceName == "" {
		t.ServiceName = "harmony"
	}
}

func (c *Config) validateTracing(bad func(int, string, string, ...any) error) error {
	t := &c.Server.Tracing
	at := func(key string) int { return c.Server.keyLines[key] }
	switch t.Exporter {
	case TracingNone, TracingStdout:
	case TracingOTLP:
		u, err := url.Parse(t.Endpoint)
		if t.Endpoint == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad(cmp.Or(at("server.tracing.endpoint"), at("server.tracing.exporter")), "server.tracing.endpoint",
				"must be the collector's OTLP/HTTP URL (http:// or https://) with exporter otlp")
		}
	default:
		return bad(at("server.tracing.exporter"), "server.tracing.exporter", "unknown exporter %q (known: %s)", t.Exporter,
			strings.Join([]string{TracingNone, TracingOTLP, TracingStdout}, ", "))
	}
	if r := t.Ratio(); !(r >= 0 && r <= 1) {
		return bad(at("server.tracing.sample_ratio"), "server.tracing.sample_ratio", "must be between 0 and 1")
	}
	if !nameRE.MatchString(t.ServiceName) {
		return bad(at("server.tracing.service_name"), "server.tracing.service_name",
			"must be lower case letters, digits, '-' or '_', starting with a letter")
	}
	return nil
}
