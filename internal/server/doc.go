// Package server is Harmony's HTTP surface: /graphql over POST, GET (queries
// only, CSRF-safe) and websocket (graphql-transport-ws); the playground at /
// and /playground; /healthz, /readyz and /metrics.
//
// Safe defaults from the first request: a body limit (413), depth and
// complexity limits, an error presenter that never echoes input, switchable
// introspection, and a fresh set of dataloaders per operation (not per HTTP
// request: a websocket carries many operations).
package server
