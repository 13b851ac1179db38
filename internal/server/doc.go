// Package server is Harmony's HTTP surface: /graphql over POST (one
// operation or a batch), GET (queries only, CSRF-safe) and websocket
// (graphql-transport-ws, authenticated by its connection_init payload when
// the upgrade carries no credential); the playground at / and /playground;
// the Customer 360 console at /console (internal/console);
// /healthz, /readyz and /metrics.
//
// Safe defaults from the first request: a body limit (413) and a time to
// send the body in (408); a deadline per request, shared by a batch's
// operations; token, depth, alias, root-field and complexity limits, each
// refused with its own extensions.code and computed with work bounded by
// the document's size, whatever its fragments expand to; a bound on batch
// size; automatic persisted queries, or a safelist of registered
// operations; per-caller rate limits (in memory or shared in Redis, 429
// with Retry-After); CORS for listed origins only; without auth, loopback
// Host names and the gateway's own origin only (no DNS rebinding); an
// error presenter that never echoes input, and at most 100 errors an
// answer; switchable introspection; and a fresh set of dataloaders per
// operation (not per HTTP request: a websocket or a batch carries many
// operations).
//
// Every request gets an ID (X-Request-Id, valid or generated) that its log
// lines carry; every operation a span, and each field with a resolver a
// child span, with no variables or query text (see internal/tracing); an
// admin may ask for extensions.trace (header Harmony-Trace: 1 or the
// extension {"trace": true}); and GET queries get a Cache-Control header
// from the schema's @cacheControl hints.
package server
