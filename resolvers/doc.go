// Package resolvers resolves the GraphQL fields over the generated executor
// in package graph. Resolvers are thin: they ask the profile store (through
// identity links) for the customer's keys in each system, ask the
// per-operation loaders for data, map connector types to GraphQL models and
// report a failing source as a partial error on its field.
package resolvers
