// Package load drives an operation at a constant rate (an open model:
// requests leave on a fixed schedule whatever the answers, so a slow answer
// never delays the next request) or with a fixed number of closed-loop
// workers (for the most an operation sustains), and summarises latencies.
// Latency is measured from the time a request was scheduled, not sent, so
// that a generator falling behind is counted against the system
// (coordinated omission).
package load
