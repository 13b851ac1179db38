package httpauth

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/harmonyhq/harmony/connectors"
)

// expirySkew renews a token this long before the server says it expires, so
// that a call never carries a token that lapses in flight.
const expirySkew = 30 * time.Second

// tokenCache holds one client-credentials token. One fetch runs at a time;
// callers waiting for it give up when their context ends.
type tokenCache struct {
	sem chan struct{} // a one-slot lock that waits with a context

	mu      sync.Mutex
	value   string
	expires time.Time // zero: the server gave no expiry
}

var cacheInit sync.Mutex

func (c *Config) cache() *tokenCache {
	cacheInit.Lock()
	defer cacheInit.Unlock()
	if c.oauth == nil {
		c.oauth = &tokenCache{sem: make(chan struct{}, 1)}
	}
	return c.oauth
}

func (t *tokenCache) cached(now time.Time) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.value == "" || (!t.expires.IsZero() && now.After(t.expires.Add(-expirySkew))) {
		return "", false
	}
	return t.value, true
}

func (t *tokenCache) drop() {
	t.mu.Lock()
	t.value, t.expires = "", time.Time{}
	t.mu.Unlock()
}

// token returns a valid token, fetching one when none is cached.
func (t *tokenCache) token(ctx context.Context, client *http.Client, c *Config) (string, error) {
	if v, ok := t.cached(time.Now()); ok {
		return v, nil
	}
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return "", tokenError(ctx, ctx.Err())
	}
	defer func() { <-t.sem }()
	// Another caller may have fetched it while this one waited.
	if v, ok := t.cached(time.Now()); ok {
		return v, nil
	}
	cc := clientcredentials.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret.Reveal(),
		TokenURL:     c.TokenURL,
		Scopes:       c.Scopes,
	}
	if len(c.Params) > 0 {
		cc.EndpointParams = map[string][]string{}
		for k, v := range c.Params {
			cc.EndpointParams.Set(k, v)
		}
	}
	if client != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	}
	tok, err := cc.Token(ctx)
	if err != nil {
		return "", tokenError(ctx, err)
	}
	if tok.AccessToken == "" {
		return "", connectors.Errorf(connectors.CodeUnauthorized, "oauth2 token endpoint: the answer holds no access token")
	}
	t.mu.Lock()
	t.value, t.expires = tok.AccessToken, tok.Expiry
	t.mu.Unlock()
	return tok.AccessToken, nil
}

// tokenError classifies a failed token request. The library's message
// quotes the endpoint's body, which may echo credentials: it is dropped.
func tokenError(ctx context.Context, err error) error {
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500:
		code := re.ErrorCode
		if code == "" {
			code = "refused"
		}
		return connectors.Errorf(connectors.CodeUnauthorized, "oauth2 token endpoint: HTTP %d %s", re.Response.StatusCode, sanitizeCode(code))
	case errors.As(err, &re) && re.Response != nil:
		return connectors.Errorf(connectors.CodeUnavailable, "oauth2 token endpoint: HTTP %d", re.Response.StatusCode)
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return connectors.Errorf(connectors.CodeTimeout, "oauth2 token endpoint: no answer in time")
	case ctx.Err() != nil:
		return connectors.NewError(connectors.CodeUnavailable, ctx.Err())
	}
	return connectors.Errorf(connectors.CodeUnavailable, "oauth2 token endpoint: cannot get a token")
}

// sanitizeCode keeps an OAuth2 error code (invalid_client, …) printable and
// short; anything else is dropped.
func sanitizeCode(s string) string {
	if len(s) > 40 {
		return "refused"
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return "refused"
		}
	}
	return s
}
