// Package scaffold writes a new Go connector package for
// `harmony connector new NAME`: a connector that reads profiles from an
// HTTP API in batches, registered under NAME, and a test that runs it
// through the conformance kit against a fake upstream. The generated
// package passes the kit as written; the integrator then replaces the
// upstream call and the fake with their system's.
package scaffold
