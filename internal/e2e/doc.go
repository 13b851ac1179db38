// Package e2e holds the end-to-end tests: the demo booted in-process
// (embedded FerretDB through the real driver, the six channel simulators on
// loopback, the point of sale on PostgreSQL when there is one) and queried
// over HTTP like any client would.
//
// Most tests share one demo and run one at a time (boot). Those that build
// gateways of their own and break, slow or replace systems, and so spend
// their time waiting on timeouts and cool-downs, get a demo of their own and
// run two at a time after the others (bootAlone).
package e2e
