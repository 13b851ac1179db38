// Package graph holds the GraphQL schema (schema/*.graphqls, one file per
// domain) and the executor gqlgen generates from it. Nothing here is written
// by hand except this file and generate.go: change the schema and run
// `go generate ./...`.
package graph
