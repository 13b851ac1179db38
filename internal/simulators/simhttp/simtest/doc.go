// Package simtest holds the checks every HTTP simulator's tests share:
// sending a request and decoding its JSON answer, and the failure-injection
// behaviours (outage, garbage, latency, control endpoints, stop) that all
// simhttp-based simulators must show.
package simtest
