package sources

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/tracing"
)

// Outcomes of an upstream call, besides a failure's code.
const (
	outcomeOK       = "ok"
	outcomeCacheHit = "cache_hit"
)

// startCall starts the span of one upstream call attempt. It names the
// connector and capability and counts the keys; it never holds them.
func (s *Source) startCall(ctx context.Context, c connectors.Capability, nkeys, attempt int) (context.Context, trace.Span) {
	if !tracing.On() {
		return ctx, noSpan
	}
	return tracing.Tracer().Start(ctx, "connector "+s.name+" "+string(c),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			tracing.AttrConnector.String(s.name),
			tracing.AttrCapability.String(string(c)),
			tracing.AttrKeys.Int(nkeys),
			tracing.AttrAttempt.Int(attempt),
		))
}

// noSpan is the span of calls made while no tracer provider is installed.
var noSpan = noop.Span{}

// endCall ends an attempt's span with its outcome (ok, or the failure's
// code, never its message, which may quote the system) and records it for
// the operation's extensions.trace when one was asked.
func (s *Source) endCall(ctx context.Context, span trace.Span, c connectors.Capability, nkeys, attempt int, start time.Time, err error) {
	outcome := outcomeOK
	if err != nil {
		outcome = string(connectors.CodeOf(err))
		span.SetStatus(codes.Error, outcome)
	}
	span.SetAttributes(tracing.AttrOutcome.String(outcome))
	span.End()
	tracing.RecorderFrom(ctx).Add(tracing.Call{Connector: s.name, Capability: string(c), Keys: nkeys,
		Attempt: attempt, Start: start, Duration: time.Since(start), Outcome: outcome})
}

// recordHits notes keys answered from the cache on the current span (the
// loader's batch) and in the operation's extensions.trace.
func (s *Source) recordHits(ctx context.Context, c connectors.Capability, hits int, start time.Time) {
	if hits == 0 {
		return
	}
	trace.SpanFromContext(ctx).SetAttributes(attribute.Int(string(tracing.AttrCacheHits), hits))
	tracing.RecorderFrom(ctx).Add(tracing.Call{Connector: s.name, Capability: string(c), Keys: hits,
		Start: start, Duration: time.Since(start), Outcome: outcomeCacheHit})
}
