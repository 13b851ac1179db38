package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/harmonyhq/harmony/internal/auth"
	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/ratelimit"
)

// codeRateLimited is the code of a request refused by the rate limit.
const codeRateLimited = "RATE_LIMITED"

// Close releases what New acquired (a Redis connection for rate limits).
func (s *Server) Close() error {
	if s.limiter == nil {
		return nil
	}
	return s.limiter.Close()
}

// withDefaults fills the limits a configuration built in code may leave
// zero (a parsed configuration has them already).
func withDefaults(c config.Server) config.Server {
	orDefault := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	orDefault(&c.MaxAliases, config.DefaultMaxAliases)
	orDefault(&c.MaxRootFields, config.DefaultMaxRootFields)
	orDefault(&c.MaxTokens, config.DefaultMaxTokens)
	orDefault(&c.MaxBatchOperations, config.DefaultMaxBatchOperations)
	if c.PersistedQueries.Mode == "" {
		c.PersistedQueries.Mode = config.PersistedAPQ
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = config.DefaultRequestTimeout
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = config.DefaultBodyTimeout
	}
	return c
}

// newLimiter builds the configured rate limiter, nil when rate limiting is
// off. A Redis URL that cannot be used falls back to in-memory budgets.
func newLimiter(c config.RateLimit, log *slog.Logger) ratelimit.Limiter {
	l, err := ratelimit.New(c, "", log)
	if err != nil {
		log.Error("rate limit: falling back to in-memory budgets", "error", err.Error())
		c.RedisURL = ""
		l, _ = ratelimit.New(c, "", log)
	}
	if l != nil {
		store := "memory (per replica)"
		if c.RedisURL != "" {
			store = "redis (shared; fails open)"
		}
		log.Info("rate limit: on", "requests_per_second", c.RequestsPerSecond, "burst", c.Burst, "store", store)
	}
	return l
}

// wsRateKey carries a websocket's remote address: its operations are
// charged one by one (rateOperations), after the upgrade itself.
type wsRateKey struct{}

// limitRate charges each request to its caller's budget: an authenticated
// caller by name, an anonymous one by remote address; a batch costs its
// number of operations. Refused requests get 429 with Retry-After.
func limitRate(l ratelimit.Limiter, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := remoteKey(r.RemoteAddr)
		if isWebsocketUpgrade(r) {
			r = r.WithContext(context.WithValue(r.Context(), wsRateKey{}, addr))
		}
		n := max(1, len(batchFrom(r.Context())))
		if d := l.Allow(r.Context(), rateKey(caller.From(r.Context()), addr), n); !d.Allowed {
			w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(d.RetryAfter)))
			writeError(w, http.StatusTooManyRequests, codeRateLimited, "too many requests: retry later")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rateOperations charges each operation of a websocket to the caller's
// budget (the caller its connection_init authenticated, if any).
type rateOperations struct{ l ratelimit.Limiter }

var (
	_ graphql.HandlerExtension          = rateOperations{}
	_ graphql.OperationParameterMutator = rateOperations{}
)

func (rateOperations) ExtensionName() string                   { return "RateLimit" }
func (rateOperations) Validate(graphql.ExecutableSchema) error { return nil }

func (o rateOperations) MutateOperationParameters(ctx context.Context, _ *graphql.RawParams) *gqlerror.Error {
	addr, ok := ctx.Value(wsRateKey{}).(string)
	if !ok {
		return nil // HTTP requests are charged by limitRate
	}
	if d := o.l.Allow(ctx, rateKey(caller.From(ctx), addr), 1); !d.Allowed {
		err := codedError(codeRateLimited, "too many requests: retry later")
		err.Extensions["retryAfter"] = retrySeconds(d.RetryAfter)
		return err
	}
	return nil
}

// rateKey names a caller's budget.
func rateKey(c caller.Caller, addr string) string {
	if c.Name == "" || c.Name == caller.Anonymous {
		return "addr:" + addr
	}
	return "caller:" + c.Name
}

// remoteKey is the remote address without its port; an IPv6 address is cut
// to its /64, which one client usually holds whole.
func remoteKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// withCORS answers preflights and adds CORS headers for the configured
// origins. Without any, it adds nothing: browsers then allow the same
// origin only.
func withCORS(c config.CORS, next http.Handler) http.Handler {
	if len(c.AllowedOrigins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins:   c.AllowedOrigins,
		AllowCredentials: c.AllowCredentials,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   append([]string{"Content-Type", "Accept", "Authorization", "X-API-Key"}, preflightHeaders...),
		MaxAge:           600,
	}).Handler(next)
}

// isWebsocketUpgrade reports whether r asks for a websocket.
func isWebsocketUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// initAuthKey marks a websocket whose upgrade carried no credential: its
// connection_init payload must.
type initAuthKey struct{}

// Close codes of a refused connection_init.
const (
	closeUnauthorized = 4401 // no credential
	closeForbidden    = 4403 // a credential that does not verify
)

// errInitAuth is what a refused connection_init says; the close code and
// the debug log say more.
var errInitAuth = errors.New("authentication required")

// wsInit authenticates a websocket's connection_init payload when its
// upgrade carried no credential: {"Authorization": "Bearer …"} or
// {"apiKey": "…"} (also "X-API-Key"), checked by the same function as HTTP
// requests. Without one it closes the socket with 4401, with one that does
// not verify 4403.
//
// Whichever credential the socket has (the upgrade's or the payload's), the
// socket is closed with 4403 when it expires or is revoked (watchSocket).
func wsInit(authn func(*http.Request) (caller.Caller, error), log *slog.Logger) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		if authn == nil {
			return ctx, nil, nil // open
		}
		if ctx.Value(initAuthKey{}) == nil {
			// Authenticated by the upgrade's headers.
			watchSocket(ctx, caller.From(ctx), time.Now)
			return ctx, nil, nil
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/graphql", nil)
		if err != nil {
			return ctx, nil, fmt.Errorf("websocket init: %w", err)
		}
		if a := p.Authorization(); a != "" {
			req.Header.Set("Authorization", a)
		}
		for _, k := range []string{"apiKey", "X-API-Key", "x-api-key"} {
			if v := p.GetString(k); v != "" {
				req.Header.Set("X-API-Key", v)
				break
			}
		}
		c, err := authn(req)
		if err != nil {
			log.DebugContext(ctx, "websocket unauthenticated", "reason", err.Error())
			code, reason := closeForbidden, "forbidden"
			if errors.Is(err, auth.ErrNoCredential) {
				code, reason = closeUnauthorized, "unauthorized"
			}
			ctx = transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, code), reason)
			return ctx, nil, errInitAuth
		}
		watchSocket(ctx, c, time.Now)
		return caller.With(ctx, c), nil, nil
	}
}
