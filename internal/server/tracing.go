package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/tracing"
)

// TraceHeader asks for extensions.trace when its value is 1 or true.
const TraceHeader = "Harmony-Trace"

// traceHTTP gives each request its ID (tracing.RequestIDs) and continues a
// trace its caller started (a W3C traceparent header).
func traceHTTP(next http.Handler) http.Handler {
	return tracing.RequestIDs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		next.ServeHTTP(w, r.WithContext(ctx))
	}))
}

// traceOperations starts a span per operation and per resolver field, and
// lists the operation's upstream calls in extensions.trace when the caller
// asks (header Harmony-Trace: 1, or extensions {"trace": true}) and holds
// the admin scope.
//
// The operation span holds the operation's type and name and the SHA-256
// of its document; field spans the field's type and name (not its path,
// whose aliases are query text). Neither holds variables nor arguments.
// Field spans are made only for fields with a resolver (those that may
// fetch), and only when the operation's span is recorded.
type traceOperations struct{}

var (
	_ graphql.HandlerExtension     = traceOperations{}
	_ graphql.OperationInterceptor = traceOperations{}
)

func (traceOperations) ExtensionName() string                   { return "Tracing" }
func (traceOperations) Validate(graphql.ExecutableSchema) error { return nil }

func (traceOperations) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	typ, name := "unknown", oc.OperationName
	subscription := false
	if oc.Operation != nil {
		typ = string(oc.Operation.Operation)
		subscription = oc.Operation.Operation == ast.Subscription
		if name == "" {
			name = oc.Operation.Name
		}
	}
	spanName := "graphql " + typ
	if name != "" {
		spanName += " " + name
	}
	ctx, span := tracing.Tracer().Start(ctx, spanName, trace.WithSpanKind(trace.SpanKindServer))
	if span.IsRecording() {
		// Hashing costs a few microseconds: only for spans kept.
		span.SetAttributes(
			tracing.AttrOperationType.String(typ),
			tracing.AttrOperationName.String(name),
			tracing.AttrDocumentHash.String(tracing.DocumentHash(oc.RawQuery)),
		)
	}
	var rec *tracing.Recorder
	if wantsTrace(oc) && caller.From(ctx).Has(caller.ScopeAdmin) {
		ctx, rec = tracing.WithRecorder(ctx, time.Now())
	}
	respond := next(ctx)
	ended := false
	return func(ctx context.Context) *graphql.Response {
		resp := respond(ctx)
		if resp == nil || !subscription {
			if !ended {
				ended = true
				if resp != nil && len(resp.Errors) > 0 {
					span.SetStatus(codes.Error, "errors")
				}
				span.End()
			}
		}
		if resp != nil && rec != nil {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["trace"] = rec.Extension()
		}
		return resp
	}
}

// traceField starts the span of a resolver field when the operation's
// span is recorded; end ends it with the field's error, if any.
func traceField(ctx context.Context) (_ context.Context, end func(error)) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver || !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, func(error) {}
	}
	field := fc.Object + "." + fc.Field.Name
	ctx, span := tracing.Tracer().Start(ctx, "resolve "+field, trace.WithAttributes(tracing.AttrField.String(field)))
	return ctx, func(err error) {
		if err != nil {
			span.SetStatus(codes.Error, "error")
		}
		span.End()
	}
}

// wantsTrace reports whether the operation asks for extensions.trace.
func wantsTrace(oc *graphql.OperationContext) bool {
	if v, ok := oc.Extensions["trace"].(bool); ok && v {
		return true
	}
	h := strings.TrimSpace(oc.Headers.Get(TraceHeader))
	return h == "1" || strings.EqualFold(h, "true")
}
