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
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/sources"
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
		// Upgrades without credentials get this long to authenticate.
		InitTimeout: 10 * time.Second,
		InitFunc:    wsInit(o.Authenticate, o.Log),
		// coder/websocket refuses cross-origin upgrades unless their origin
		// is listed: browsers send no custom headers on a websocket, so the
		// origin check is its CSRF defence. The listed origins are CORS's.
		// Tracked so that a shutdown can close them (Server.Drain).
		Implementation: trackedWebsockets{inner: transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{
			OriginPatterns: o.Config.CORS.AllowedOrigins,
		}}},
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	// Server-sent events: a POST with Accept: text/event-stream. gqlgen
	// takes the first transport that supports a request and POST supports
	// every JSON POST, so SSE comes first.
	srv.AddTransport(safeSSE{transport.SSE{KeepAlivePingInterval: 15 * time.Second}})
	srv.AddTransport(transport.POST{})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if o.RateLimiter != nil {
		srv.Use(rateOperations{l: o.RateLimiter})
	}
	// Before persisted queries: an over-long query is never cached.
	srv.Use(preParseLimits{tokens: o.Config.MaxTokens, depth: o.Config.MaxDepth})
	switch o.Config.PersistedQueries.Mode {
	case config.PersistedSafelist:
		srv.Use(safelist{queries: o.Safelist})
	case config.PersistedOff:
		srv.Use(persistedOff{})
	default:
		srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	}
	if o.Config.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(operationLimits{depth: o.Config.MaxDepth, aliases: o.Config.MaxAliases, rootFields: o.Config.MaxRootFields})
	srv.Use(&complexityLimit{limit: o.Config.MaxComplexity})
	srv.Use(traceOperations{})
	srv.Use(credentialLifetime{revoked: o.Revocations})
	srv.Use(&cacheHints{})
	srv.Use(auditExtension(o))

	srv.SetErrorPresenter(presenter(o.Log))
	// Last added, so outermost: it sees every error of an answer,
	// validation errors included.
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return capErrors(next(ctx))
	})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		o.Log.ErrorContext(ctx, "resolver panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return &apperr.Error{Code: apperr.CodeInternal, Public: "internal error"}
	})
	srv.AroundFields(fieldHooks)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		lds := o.Loaders.New()
		ctx = loaders.With(ctx, lds)
		// The guard reports reads answered from last good values; the
		// response says so in extensions.stale, never naming keys.
		ctx, stale := sources.WithStaleReport(ctx)
		handle := m.operation(ctx, next)
		subscription := false
		if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil {
			subscription = oc.Operation.Operation == ast.Subscription
		}
		return func(ctx context.Context) *graphql.Response {
			// Errors raised before the response middleware runs reach
			// here only: capped too.
			resp := capErrors(handle(ctx))
			// A query's one response ends it; a subscription ends with nil.
			if resp == nil || !subscription {
				lds.Done()
			}
			if resp == nil {
				return nil
			}
			if entries := stale.Entries(); len(entries) > 0 {
				list := make([]map[string]any, len(entries))
				for i, e := range entries {
					list[i] = map[string]any{"connector": e.Connector, "capability": string(e.Capability),
						"ageSeconds": int64(e.Age.Seconds()), "code": string(e.Code)}
				}
				if resp.Extensions == nil {
					resp.Extensions = map[string]any{}
				}
				resp.Extensions["stale"] = list
			}
			return resp
		}
	})
	return srv
}

// setComplexity counts list fields by the number of items they may return,
// so a query over 100 customers costs 100 times one customer. Every
// function here costs a field at least its children (complexityLimit stops
// early on that), and saturates instead of overflowing: a product that
// wrapped around would let a huge query through as a cheap one.
func setComplexity(c *graph.ComplexityRoot) {
	size := func(first *int, def int) int {
		if first == nil {
			return def
		}
		return max(*first, 1)
	}
	list := func(n, child int) int { return safeAdd(1, safeMul(n, child)) }
	c.Query.Customers = func(child int, first *int, _ *string, _ *model.CustomerFilter, _ *string) int {
		return list(size(first, 20), child)
	}
	c.Customer.Orders = func(child int, first *int) int { return list(size(first, 20), child) }
	c.Customer.Interactions = func(child int, first *int) int { return list(size(first, 20), child) }
	c.Customer.Timeline = func(child int, first *int, _ *string, _ *model.TimelineFilter) int {
		return list(size(first, 20), child)
	}
	c.Customer.Conversations = func(child int, first *int, _ *string) int { return list(size(first, 20), child) }
	// A segment's metrics read every sampled member's orders and
	// interactions: each member costs what its figures cost.
	c.Segment.Metrics = func(child int, maxMembers *int, _ *int) int { return list(size(maxMembers, 200), child) }
}
