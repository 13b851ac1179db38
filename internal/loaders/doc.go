// Package loaders holds the per-operation dataloaders: one per (source,
// capability) and one per profile-store read. A fresh set is made for every
// GraphQL operation and carried in its context, so a query over N customers
// costs one upstream call per source and capability, and nothing is shared
// between operations or callers.
package loaders
