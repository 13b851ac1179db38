package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/config"
)

// Errors Authenticate returns, wrapped with a short reason that never holds
// the credential.
var (
	// ErrNoCredential: the request carries no API key or bearer token.
	ErrNoCredential = errors.New("no credential")
	// ErrInvalidCredential: the key is unknown or the token does not verify.
	ErrInvalidCredential = errors.New("invalid credential")
)

// Skew is the clock difference tolerated on exp and nbf.
const Skew = 30 * time.Second

// keysWait bounds how long a request waits for the first JWKS fetch.
const keysWait = 3 * time.Second

// refreshEvery bounds how often a token with an unknown key ID makes the
// JWKS be fetched again (key rotation).
const refreshEvery = time.Minute

// Authenticator checks credentials. It is safe for concurrent use.
type Authenticator struct {
	keys  []apiKey
	roles map[string][]string

	jwt     *config.JWT
	cache   *jwk.Cache
	keySet  jwk.Set
	cancel  context.CancelFunc
	mu      sync.Mutex
	fetched time.Time
	now     func() time.Time
}

type apiKey struct {
	hash   [sha256.Size]byte
	caller caller.Caller
}

// New builds an Authenticator from a validated configuration. With a JWT
// block it starts fetching the JWKS in the background through httpClient
// (a client with a timeout when nil); Close stops it.
func New(cfg config.Auth, httpClient *http.Client) (*Authenticator, error) {
	a := &Authenticator{roles: cfg.RoleScopes(), now: time.Now}
	for _, k := range cfg.APIKeys {
		b, err := hex.DecodeString(k.SHA256)
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("api key %q: sha256 must be 64 hex characters", k.ID)
		}
		ak := apiKey{caller: caller.Caller{Name: k.ID, Scopes: a.scopes([]string{k.Role}, k.Scopes)}}
		copy(ak.hash[:], b)
		a.keys = append(a.keys, ak)
	}
	if cfg.JWT == nil {
		return a, nil
	}
	j := *cfg.JWT
	if j.ScopesClaim == "" {
		j.ScopesClaim = config.DefaultScopesClaim
	}
	a.jwt = &j
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cache, err := jwk.NewCache(ctx, httprc.NewClient())
	if err != nil {
		cancel()
		return nil, fmt.Errorf("jwks cache: %w", err)
	}
	if err := cache.Register(ctx, j.JWKSURL, jwk.WithHTTPClient(httpClient), jwk.WithWaitReady(false),
		jwk.WithMinInterval(5*time.Minute), jwk.WithMaxInterval(time.Hour)); err != nil {
		cancel()
		return nil, fmt.Errorf("jwks %s: %w", j.JWKSURL, err)
	}
	set, err := cache.CachedSet(j.JWKSURL)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("jwks %s: %w", j.JWKSURL, err)
	}
	a.cache, a.keySet, a.cancel = cache, set, cancel
	return a, nil
}

// KeysLoaded reports whether the JWKS has been fetched at least once, for
// readiness reports; true when no JWT is configured. It does not wait.
func (a *Authenticator) KeysLoaded(ctx context.Context) bool {
	if a.jwt == nil {
		return true
	}
	_, err := a.cache.Lookup(ctx, a.jwt.JWKSURL)
	return err == nil
}

// Close stops the JWKS refresh.
func (a *Authenticator) Close() {
	if a.cancel == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = a.cache.Shutdown(ctx)
	a.cancel()
}

// Authenticate returns the caller of r: from "Authorization: Bearer" (a JWT
// when the token has two dots, an API key otherwise) or "X-API-Key". The
// error wraps ErrNoCredential or ErrInvalidCredential and never holds the
// credential.
func (a *Authenticator) Authenticate(r *http.Request) (caller.Caller, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return caller.Caller{}, fmt.Errorf("%w: authorization is not a bearer token", ErrInvalidCredential)
		}
		if strings.Count(token, ".") == 2 {
			return a.verifyJWT(r.Context(), token)
		}
		return a.apiKey(token)
	}
	if key := r.Header.Get("X-API-Key"); key != "" {
		return a.apiKey(key)
	}
	return caller.Caller{}, ErrNoCredential
}

// apiKey compares the key's hash with every configured hash, in constant
// time whatever matches.
func (a *Authenticator) apiKey(key string) (caller.Caller, error) {
	sum := sha256.Sum256([]byte(key))
	found := -1
	for i := range a.keys {
		if subtle.ConstantTimeCompare(sum[:], a.keys[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return caller.Caller{}, fmt.Errorf("%w: unknown api key", ErrInvalidCredential)
	}
	c := a.keys[found].caller
	c.Scopes = slices.Clone(c.Scopes)
	return c, nil
}

func (a *Authenticator) verifyJWT(ctx context.Context, token string) (caller.Caller, error) {
	if a.jwt == nil {
		return caller.Caller{}, fmt.Errorf("%w: bearer tokens are not accepted", ErrInvalidCredential)
	}
	if err := a.waitKeys(ctx); err != nil {
		return caller.Caller{}, fmt.Errorf("%w: signing keys unavailable", ErrInvalidCredential)
	}
	tok, err := a.parse(token)
	if err != nil && errors.Is(err, jws.VerifyError()) && a.refreshDue() {
		// Perhaps a key the provider has just rotated in.
		if _, rerr := a.cache.Refresh(ctx, a.jwt.JWKSURL); rerr == nil {
			tok, err = a.parse(token)
		}
	}
	if err != nil {
		return caller.Caller{}, fmt.Errorf("%w: %s", ErrInvalidCredential, reason(err))
	}
	sub, ok := tok.Subject()
	if !ok || sub == "" {
		return caller.Caller{}, fmt.Errorf("%w: token has no subject", ErrInvalidCredential)
	}
	var roles []string
	if a.jwt.RoleClaim != "" {
		roles = claimStrings(tok, a.jwt.RoleClaim)
	}
	return caller.Caller{Name: sub, Scopes: a.scopes(roles, claimStrings(tok, a.jwt.ScopesClaim))}, nil
}

func (a *Authenticator) parse(token string) (jwt.Token, error) {
	return jwt.ParseString(token,
		jwt.WithKeySet(a.keySet, jws.WithInferAlgorithmFromKey(true)),
		jwt.WithValidate(true),
		jwt.WithIssuer(a.jwt.Issuer),
		jwt.WithAudience(a.jwt.Audience),
		jwt.WithRequiredClaim("exp"),
		jwt.WithAcceptableSkew(Skew),
		jwt.WithClock(jwt.ClockFunc(a.now)),
	)
}

// waitKeys waits, briefly, for the first JWKS fetch.
func (a *Authenticator) waitKeys(ctx context.Context) error {
	res, err := a.cache.LookupResource(ctx, a.jwt.JWKSURL)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, keysWait)
	defer cancel()
	return res.Ready(ctx)
}

func (a *Authenticator) refreshDue() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now := a.now(); now.Sub(a.fetched) >= refreshEvery {
		a.fetched = now
		return true
	}
	return false
}

// reason names why a token failed, from jwx's error kinds, without its
// text (which may quote claims).
func reason(err error) string {
	switch {
	case errors.Is(err, jwt.TokenExpiredError()):
		return "token expired"
	case errors.Is(err, jwt.TokenNotYetValidError()):
		return "token not yet valid"
	case errors.Is(err, jwt.InvalidIssuerError()):
		return "wrong issuer"
	case errors.Is(err, jwt.InvalidAudienceError()):
		return "wrong audience"
	case errors.Is(err, jwt.MissingRequiredClaimError()):
		return "missing claim"
	case errors.Is(err, jws.VerifyError()), errors.Is(err, jws.VerificationError()):
		return "signature not verified"
	}
	return "malformed token"
}

// scopes is the union of the roles' scopes and extra, deduplicated and
// sorted. Unknown roles grant nothing.
func (a *Authenticator) scopes(roles, extra []string) []string {
	var out []string
	for _, r := range roles {
		out = append(out, a.roles[r]...)
	}
	out = append(out, extra...)
	slices.Sort(out)
	return slices.Compact(out)
}

// claimStrings reads a claim as a space-separated string or an array of
// strings.
func claimStrings(tok jwt.Token, name string) []string {
	var v any
	if err := tok.Get(name, &v); err != nil {
		return nil
	}
	switch v := v.(type) {
	case string:
		return strings.Fields(v)
	case []string:
		return v
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
