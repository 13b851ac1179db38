// Package sources wraps every configured connector instance in one guard,
// the air gap between third-party connector code and the gateway. The guard
// dedupes and chunks keys to the connector's batch limit, bounds each
// upstream call with a timeout, recovers panics, checks that results line up
// with the keys asked, orders windowed results newest first and records
// metrics. Connector code stays the upstream call alone.
//
// It also keeps a failing system from taking the gateway down with it:
// reads (and only reads: retry is an opt-in per capability) are retried with
// exponential backoff and full jitter when the failure may pass; a circuit
// breaker per connector fails calls fast with CIRCUIT_OPEN after repeated
// failures and probes the system after a cool-down; a cap bounds the calls
// in flight to each system across all operations; and per-key reads made
// for an operation (see WithStaleReport) fall back to the last good values
// of their keys, reported in the operation's StaleReport.
//
// A connector configured with a cache has its per-key reads (profiles, and
// orders and interactions per window) answered from internal/cache when it
// holds them; only the other keys reach the system, and what it answers is
// kept for the next reads. Every upstream attempt is a span (connector,
// capability, key count, attempt, outcome code; never the keys) and, when
// the operation asked for extensions.trace, a tracing.Call.
package sources
