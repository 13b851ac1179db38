// Package tracing owns how one request is followed through the gateway:
// the OpenTelemetry tracer (set up from the server.tracing configuration),
// the attribute names every span uses, the request ID (accepted from a
// valid X-Request-ID header or generated, returned in the response and
// added to every log line of the request by Handler), and the per-operation
// record of upstream calls that a development request gets back in
// extensions.trace.
//
// Nothing here records variables, keys, query text or personal data: spans
// and call records carry operation names, a hash of the query document,
// connector and capability names, key counts, durations and outcome codes.
package tracing
