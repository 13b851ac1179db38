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
	"sync/atomic"
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

// Authenticator checks credentials. It is safe for concurrent use. Its
// API keys and roles can be replaced while it serves (SetAPIKeys, on a
// configuration reload); the callers of a key removed or changed then are
// told (Revoked).
type Authenticator struct {
	creds atomic.Pointer[credentials]
	// watchers are the open streams per credential (Revoked).
	watchMu  sync.Mutex
	watchers map[string]map[chan struct{}]struct{}

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

// credentials are the API keys and roles in force.
type credentials struct {
	keys  []apiKey
	roles map[string][]string
}

// newCredentials reads the API keys and roles of a validated
// configuration.
func newCredentials(cfg config.Auth) (*credentials, error) {
	c := &credentials{roles: cfg.RoleScopes()}
	for _, k := range cfg.APIKeys {
		b, err := hex.DecodeString(k.SHA256)
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("api key %q: sha256 must be 64 hex characters", k.ID)
		}
		ak := apiKey{caller: caller.Caller{Name: k.ID, Scopes: scopesOf(c.roles, []string{k.Role}, k.Scopes)}}
		copy(ak.hash[:], b)
		ak.caller.Credential = "api_key:" + hex.EncodeToString(ak.hash[:])
		c.keys = append(c.keys, ak)
	}
	return c, nil
}

// New builds an Authenticator from a validated configuration. With a JWT
// block it starts fetching the JWKS in the background through httpClient
// (a client with a timeout when nil); Close stops it.
func New(cfg config.Auth, httpClient *http.Client) (*Authenticator, error) {
	a := &Authenticator{now: time.Now, watchers: map[string]map[chan struct{}]struct{}{}}
	creds, err := newCredentials(cfg)
	if err != nil {
		return nil, err
	}
	a.creds.Store(creds)
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
	keys := a.creds.Load().keys
	found := -1
	for i := range keys {
		if subtle.ConstantTimeCompare(sum[:], keys[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return caller.Caller{}, fmt.Errorf("%w: unknown api key", ErrInvalidCredential)
	}
	c := keys[found].caller
	c.Scopes = slices.Clone(c.Scopes)
	return c, nil
}

// SetAPIKeys replaces the API keys and roles with those of cfg, a
// validated configuration (a reload): requests from now on are checked
// against them. Every key removed, or whose caller changed (another ID,
// role or scopes), is revoked: the streams its callers opened are told
// (Revoked). It returns how many keys were revoked. JWT settings are not
// changed.
func (a *Authenticator) SetAPIKeys(cfg config.Auth) (revoked int, err error) {
	next, err := newCredentials(cfg)
	if err != nil {
		return 0, err
	}
	kept := map[string]caller.Caller{}
	for _, k := range next.keys {
		kept[k.caller.Credential] = k.caller
	}
	old := a.creds.Swap(next)
	var gone []string
	for _, k := range old.keys {
		if now, ok := kept[k.caller.Credential]; !ok || now.Name != k.caller.Name || !slices.Equal(now.Scopes, k.caller.Scopes) {
			gone = append(gone, k.caller.Credential)
		}
	}
	a.revoke(gone)
	return len(gone), nil
}

// Revoked returns a channel closed when the credential of c is revoked (a
// reload removed or changed its API key), and the function that stops
// watching. For a credential that cannot be revoked (a token, whose expiry
// ends it) the channel is nil: it never closes. A credential revoked
// before the call is reported at once.
func (a *Authenticator) Revoked(c caller.Caller) (<-chan struct{}, func()) {
	if c.Credential == "" {
		return nil, func() {}
	}
	ch := make(chan struct{})
	a.watchMu.Lock()
	if !a.holds(c) {
		a.watchMu.Unlock()
		close(ch)
		return ch, func() {}
	}
	set := a.watchers[c.Credential]
	if set == nil {
		set = map[chan struct{}]struct{}{}
		a.watchers[c.Credential] = set
	}
	set[ch] = struct{}{}
	a.watchMu.Unlock()
	return ch, func() {
		a.watchMu.Lock()
		defer a.watchMu.Unlock()
		if set, ok := a.watchers[c.Credential]; ok {
			if _, open := set[ch]; open {
				delete(set, ch)
				if len(set) == 0 {
					delete(a.watchers, c.Credential)
				}
			}
		}
	}
}

// holds reports whether c's API key is still in force as it was.
func (a *Authenticator) holds(c caller.Caller) bool {
	for _, k := range a.creds.Load().keys {
		if k.caller.Credential == c.Credential {
			return k.caller.Name == c.Name && slices.Equal(k.caller.Scopes, c.Scopes)
		}
	}
	return false
}

// revoke closes the watchers of the credentials.
func (a *Authenticator) revoke(creds []string) {
	a.watchMu.Lock()
	defer a.watchMu.Unlock()
	for _, cred := range creds {
		for ch := range a.watchers[cred] {
			close(ch)
		}
		delete(a.watchers, cred)
	}
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
	c := caller.Caller{Name: sub, Scopes: a.scopes(roles, claimStrings(tok, a.jwt.ScopesClaim))}
	if exp, ok := tok.Expiration(); ok && !exp.IsZero() {
		// Accepted until then (parse tolerates the skew): a stream the
		// token opened ends then.
		c.Expires = exp.Add(Skew)
	}
	return c, nil
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
	return scopesOf(a.creds.Load().roles, roles, extra)
}

func scopesOf(known map[string][]string, roles, extra []string) []string {
	var out []string
	for _, r := range roles {
		out = append(out, known[r]...)
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
