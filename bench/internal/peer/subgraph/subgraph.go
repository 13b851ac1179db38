// Package subgraph is what the peer benchmark's three subgraphs share: the
// gqlgen handler an ordinary service builds (POST, a parsed-query cache,
// introspection) and small helpers.
package subgraph

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// Version is what the subgraphs' service field answers.
const Version = "harmony-bench"

// Handler serves es over POST, with the query cache and introspection
// gqlgen's former default server had.
func Handler(es graphql.ExecutableSchema) http.Handler {
	h := handler.New(es)
	h.AddTransport(transport.POST{})
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	h.Use(extension.Introspection{})
	return h
}

// Opt is s as an optional GraphQL string: nil when empty.
func Opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Deref is *p, or "" for nil.
func Deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
