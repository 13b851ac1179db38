package server

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/harmonyhq/harmony/graph"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/loaders"
)

// newGraphQL builds the GraphQL handler: transports, caches, limits, the
// per-operation loaders and the error presenter.
func newGraphQL(o Options, m *metrics) *handler.Server {
	cfg := graph.Config{Resolvers: o.Resolvers, Directives: directives()}
	setComplexity(&cfg.Complexity)
	srv := handler.New(graph.NewExecutableSchema(cfg))

	readLimit := o.Config.MaxBodyBytes
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 15 * time.Second,
		PayloadReadLimit:      &readLimit,
		// coder/websocket refuses cross-origin upgrades unless their origin
		// is listed: browsers send no custom headers on a websocket, so the
		// origin check is its CSRF defence.
		Implementation: transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{}},
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	if o.Config.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(depthLimit{max: o.Config.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(o.Config.MaxComplexity))

	srv.SetErrorPresenter(presenter(o.Log))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		o.Log.ErrorContext(ctx, "resolver panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return &apperr.Error{Code: apperr.CodeInternal, Public: "internal error"}
	})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		ctx = loaders.With(ctx, o.Loaders.New())
		return m.operation(ctx, next)
	})
	return srv
}

// setComplexity counts list fields by the number of items they may return,
// so a query over 100 customers costs 100 times one customer.
func setComplexity(c *graph.ComplexityRoot) {
	size := func(first *int, def int) int {
		if first == nil {
			return def
		}
		return max(*first, 1)
	}
	c.Query.Customers = func(child int, first *int, _ *string, _ *model.CustomerFilter, _ *string) int {
		return 1 + size(first, 20)*child
	}
	c.Customer.Orders = func(child int, first *int) int { return 1 + size(first, 20)*child }
	c.Customer.Interactions = func(child int, first *int) int { return 1 + size(first, 20)*child }
	c.Customer.Timeline = func(child int, first *int, _ *string) int { return 1 + size(first, 20)*child }
}
