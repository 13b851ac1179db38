package server

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/harmonyhq/harmony/graph"
	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/playground"
)

// Options are what the HTTP surface needs.
type Options struct {
	Config    config.Server
	Resolvers graph.ResolverRoot
	Loaders   *loaders.Factory
	// Ready reports readiness for /readyz.
	Ready Readiness
	// Registry is where /metrics reads from and the server's own series go.
	Registry *prometheus.Registry
	Log      *slog.Logger
	// Examples are preloaded in the playground.
	Examples []playground.Example
	// Authenticate says who makes a request to /graphql. An error is the
	// client's fault and answers 401 without details. Nil serves every
	// request as an open caller with every scope: the loopback demo only.
	Authenticate func(*http.Request) (caller.Caller, error)
}

// Server is the HTTP surface.
type Server struct {
	handler http.Handler
	graphql *handler.Server
}

// New builds the HTTP surface.
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	m := newMetrics(o.Registry, o.Log)
	gql := newGraphQL(o, m)

	mux := http.NewServeMux()
	mux.Handle("/graphql", authenticate(o.Authenticate, guardRequests(o.Config.MaxBodyBytes, gql)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /readyz", readyz(o.Ready))
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{Registry: o.Registry}))
	if o.Config.Playground == nil || *o.Config.Playground {
		playground.Mount(mux, playground.Options{Title: "Harmony", Endpoint: "/graphql", Examples: o.Examples})
	}
	return &Server{handler: m.http(mux), graphql: gql}
}

// authenticate puts the caller in the request's context, or answers 401.
func authenticate(auth func(*http.Request) (caller.Caller, error), next http.Handler) http.Handler {
	open := caller.Caller{Name: caller.Anonymous, Scopes: []string{caller.ScopeAdmin}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := open
		if auth != nil {
			var err error
			if c, err = auth(r); err != nil {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("WWW-Authenticate", `Bearer realm="harmony"`)
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"errors":[{"message":"authentication required","extensions":{"code":"UNAUTHENTICATED"}}]}`))
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(caller.With(r.Context(), c)))
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
