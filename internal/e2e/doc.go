// Package e2e holds the end-to-end tests: the demo booted in-process
// (embedded FerretDB through the real driver, the six channel simulators on
// loopback, the point of sale on PostgreSQL) and queried over HTTP like any
// client would.
package e2e
