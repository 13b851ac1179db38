// Package store is Harmony's profile store on MongoDB: customers and the
// identities that link each system's records to them, consents, stored
// activity, the search projection, history and audit. It speaks only the
// MongoDB wire protocol through the official driver, so the same code runs
// against a real MongoDB and against the embedded FerretDB (package
// store/embedded).
//
// The request path reads by _id only (FerretDB reads and decodes a whole
// collection for any other filter): what a read of a customer needs is
// denormalised into its keys document (keys.go) and marks (marks.go), kept
// by the write paths under the customer's change lock, and served from an
// in-process cache (Cached) that the write paths invalidate through their
// change hook, and other replicas' through the bus. A Gate bounds the
// reads that miss it and sheds the excess (a 503 for the request).
//
// Writes are single-document inserts that ignore duplicates, or locked,
// ordered steps that can be re-run, so no step needs a multi-document
// transaction (FerretDB v1 has none). Document keys never hold customer
// data.
package store
