// Package store is Harmony's profile store on MongoDB: customers and the
// identities that link each system's records to them. It speaks only the
// MongoDB wire protocol through the official driver, so the same code runs
// against a real MongoDB and against the embedded FerretDB (package
// store/embedded).
//
// Every read by many keys is one `$in` query. Writes are single-document
// inserts that ignore duplicates, so every step can be re-run safely and no
// step needs a multi-document transaction (FerretDB v1 has none). Document
// keys never hold customer data.
package store
