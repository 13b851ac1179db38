// Package model holds the GraphQL models: generated ones in models_gen.go and
// the few hand-written plain structs gqlgen binds to by name. No logic lives
// here; resolvers map connector and store types onto these models.
package model
