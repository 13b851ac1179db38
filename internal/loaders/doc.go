// Package loaders holds the per-operation dataloaders: one per (source,
// capability) and one per profile-store read. A fresh set is made for every
// GraphQL operation and carried in its context, so a query over N customers
// costs one upstream call per source and capability, and nothing is shared
// between operations or callers.
//
// No batch is sent on a timer: a batch leaves when a caller waits on it
// and nobody can still add keys to it, that is when the caller belongs to
// no level, or is the last selected field of its level to have issued its
// reads (package level, docs/batching.md).
package loaders
