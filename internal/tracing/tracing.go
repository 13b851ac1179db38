package tracing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/harmonyhq/harmony/internal/config"
)

// ScopeName is the instrumentation scope of every span the gateway starts.
const ScopeName = "github.com/harmonyhq/harmony"

// Attribute keys of the gateway's spans. None holds a value a caller or a
// customer chose.
const (
	AttrOperationName = attribute.Key("graphql.operation.name")
	AttrOperationType = attribute.Key("graphql.operation.type")
	// AttrDocumentHash is the lower-case hex SHA-256 of the query document.
	AttrDocumentHash = attribute.Key("graphql.document.sha256")
	AttrField        = attribute.Key("graphql.field")
	AttrConnector    = attribute.Key("harmony.connector")
	AttrCapability   = attribute.Key("harmony.capability")
	AttrKeys         = attribute.Key("harmony.keys")
	AttrAttempt      = attribute.Key("harmony.attempt")
	AttrOutcome      = attribute.Key("harmony.outcome")
	AttrLoader       = attribute.Key("harmony.loader")
	AttrCacheHits    = attribute.Key("harmony.cache.hits")
)

// Tracer is the gateway's tracer, from the global provider that Setup
// installs: a no-op until then.
func Tracer() trace.Tracer { return otel.Tracer(ScopeName) }

// installed is set once a tracer provider is installed.
var installed atomic.Bool

// On reports whether a tracer provider has been installed (Setup with an
// exporter, or Install). Until then every span would be a no-op, and the
// hot paths skip making one: building its name and attributes and asking
// the global provider for a tracer cost allocations on every upstream
// call and loader batch.
func On() bool { return installed.Load() }

// DocumentHash is the lower-case hex SHA-256 of a query document: it names
// the query in spans without recording its text.
func DocumentHash(query string) string {
	h := sha256.Sum256([]byte(query))
	return hex.EncodeToString(h[:])
}

// Setup installs the tracer provider cfg describes as the global one, and
// the W3C trace-context propagator. With exporter none it installs nothing
// and returns a no-op shutdown. stdout writes to out (os.Stdout when nil).
// shutdown flushes and stops the exporter.
func Setup(ctx context.Context, cfg config.Tracing, out io.Writer) (shutdown func(context.Context) error, err error) {
	if !cfg.Enabled() {
		return func(context.Context) error { return nil }, nil
	}
	var exp sdktrace.SpanExporter
	switch cfg.Exporter {
	case config.TracingStdout:
		opts := []stdouttrace.Option{}
		if out != nil {
			opts = append(opts, stdouttrace.WithWriter(out))
		}
		exp, err = stdouttrace.New(opts...)
	case config.TracingOTLP:
		u, perr := url.Parse(cfg.Endpoint)
		if perr != nil {
			return nil, fmt.Errorf("tracing endpoint: %w", perr)
		}
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(u.String())}
		exp, err = otlptracehttp.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("unknown tracing exporter %q", cfg.Exporter)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing exporter: %w", err)
	}
	res := resource.NewSchemaless(semconv.ServiceName(cfg.ServiceName))
	tp := NewProvider(sdktrace.NewBatchSpanProcessor(exp), cfg.Ratio(), res)
	Install(tp)
	return tp.Shutdown, nil
}

// NewProvider makes a tracer provider that sends spans to sp, sampling
// ratio of the traces the gateway starts and following the caller's
// decision for the others.
func NewProvider(sp sdktrace.SpanProcessor, ratio float64, res *resource.Resource) *sdktrace.TracerProvider {
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithSpanProcessor(sp),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
	}
	if res != nil {
		opts = append(opts, sdktrace.WithResource(res))
	}
	return sdktrace.NewTracerProvider(opts...)
}

// Install makes tp the global tracer provider and W3C trace context the
// propagator. Baggage is not propagated: it could carry anything.
func Install(tp trace.TracerProvider) {
	installed.Store(true)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
}
