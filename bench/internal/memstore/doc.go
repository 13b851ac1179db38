// Package memstore is the benchmark's profile store: the read path of
// store.Reader over an in-memory snapshot of a real identity sync, with a
// fixed latency per round trip (0.5 ms by default, like a MongoDB on the
// same network), so that the benchmark measures the gateway, not the
// embedded FerretDB, which scans whole collections. It counts its round
// trips. It is for bench/ only; the gateway never uses it.
package memstore
