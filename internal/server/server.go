package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/harmonyhq/harmony/graph"
	"github.com/harmonyhq/harmony/internal/auth"
	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/console"
	"github.com/harmonyhq/harmony/internal/drain"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/playground"
	"github.com/harmonyhq/harmony/internal/ratelimit"
	"github.com/harmonyhq/harmony/internal/tracing"
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
	// request as an open caller with every scope: the loopback demo only,
	// and then every request must name a loopback host and browsers must
	// be on the gateway's own origin (see openMode).
	//
	// A websocket upgrade without credentials is let through: browsers
	// cannot set headers on a websocket, so its connection_init payload
	// carries them ({"Authorization": "Bearer …"} or {"apiKey": "…"}) and is
	// checked with the same function. The error's text is logged at debug
	// level and must never hold the credential (auth.Authenticator's
	// never does).
	Authenticate func(*http.Request) (caller.Caller, error)
	// Safelist maps query hashes to the operations safelist mode runs
	// (see LoadSafelist). In safelist mode, nil runs nothing.
	Safelist map[string]string
	// RateLimiter, when set, replaces the limiter built from
	// Config.RateLimit; the caller closes it.
	RateLimiter ratelimit.Limiter
	// Webhooks serves POST /webhooks/{connector}, authenticated by each
	// system's signature rather than Authenticate; 404 when nil.
	Webhooks http.Handler
	// Revocations tells when a caller's credential is revoked (an API key
	// a configuration reload removed or changed): its subscriptions end
	// and its websockets close. Nil revokes nothing.
	Revocations Revocations
}

// Server is the HTTP surface.
type Server struct {
	handler http.Handler
	graphql *handler.Server
	// limiter is closed by Close when New built it.
	limiter ratelimit.Limiter
	// drain ends subscriptions and sockets their websockets (Drain).
	drain   *drain.Drainer
	sockets *socketSet
}

// New builds the HTTP surface.
func New(o Options) *Server {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	// Every line logged with a request's context names its request ID.
	o.Log = slog.New(tracing.NewHandler(o.Log.Handler()))
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	o.Config = withDefaults(o.Config)
	var own ratelimit.Limiter
	if o.RateLimiter == nil {
		own = newLimiter(o.Config.RateLimit, o.Log)
		o.RateLimiter = own
	}
	m := newMetrics(o.Registry, o.Log)
	gql := newGraphQL(o, m)

	d, sockets := drain.New(), newSocketSet()
	mux := http.NewServeMux()
	mux.Handle("/graphql", withDrain(d, sockets, o.Revocations, withCORS(o.Config.CORS, authenticate(o.Authenticate, o.Log,
		withDeadline(o.Config.RequestTimeout, guardRequests(o.Config.MaxBodyBytes, o.Config.MaxBatchOperations,
			limitRate(o.RateLimiter, withCacheControl(shedOverloaded(serveBatch(gql))))))))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /readyz", readyz(o.Ready))
	mux.Handle("POST /webhooks/{connector}", orNotFound(o.Webhooks))
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{Registry: o.Registry}))
	if o.Config.PlaygroundOn() {
		playground.Mount(mux, playground.Options{Title: "Harmony", Endpoint: "/graphql", Examples: o.Examples})
	}
	// The Customer 360 console: a static page that reads /graphql like any client.
	console.Mount(mux)
	var h http.Handler = mux
	if o.Authenticate == nil {
		h = openMode(o.Config.CORS.AllowedOrigins, mux)
	}
	h = bodyDeadline(o.Config.BodyTimeout, h)
	return &Server{handler: traceHTTP(m.http(h)), graphql: gql, limiter: own, drain: d, sockets: sockets}
}

// authenticate puts the caller in the request's context, or answers 401
// (and logs why at debug level, never the credential). A websocket upgrade
// without credentials goes on as an anonymous caller marked for wsInit,
// which authenticates the connection_init payload.
func authenticate(authn func(*http.Request) (caller.Caller, error), log *slog.Logger, next http.Handler) http.Handler {
	open := caller.Caller{Name: caller.Anonymous, Scopes: []string{caller.ScopeAdmin}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := open
		if authn != nil {
			var err error
			if c, err = authn(r); err != nil {
				if errors.Is(err, auth.ErrNoCredential) && isWebsocketUpgrade(r) {
					ctx := caller.With(r.Context(), caller.Caller{Name: caller.Anonymous})
					next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, initAuthKey{}, true)))
					return
				}
				log.DebugContext(r.Context(), "request unauthenticated", "reason", err.Error())
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
