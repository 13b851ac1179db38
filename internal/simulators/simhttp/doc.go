// Package simhttp is what every HTTP channel simulator shares: a real
// net/http server on 127.0.0.1:0 that counts the requests each named route
// serves, can be slowed down (latency injection), taken down (503) or made
// to answer garbage (200 with a body that is not JSON), checks credentials
// (bearer token, basic auth, API key header) and answers 401 JSON when they
// are wrong, and exposes the same switches over HTTP on two uncounted,
// unauthenticated control endpoints:
//
//	GET  /_sim/stats   -> {"requests": N, "routes": {"route": n, ...}}
//	POST /_sim/control <- {"latency_ms": 20, "down": true, "garbage": false, "reset": false}
//
// Both work while the server is "down". A request is counted, in Total and
// under its route, as soon as it reaches a registered endpoint, whatever the
// answer (outage, garbage, 401, 400 or 200): it is what the upstream saw.
// It also holds the small request helpers (id lists, limits, times, JSON
// answers) the simulators share, including the 100-id cap of batch
// endpoints.
//
// Nothing here logs requests, so customer data never reaches a log.
package simhttp
