// Package httpauth is the authentication configuration shared by the HTTP
// based connector kinds (rest, graphql):
//
//	auth: {type: bearer, token: "${CRM_TOKEN}"}
//	auth: {type: api_key, header: X-Api-Key, key: "${KEY}"}
//	auth: {type: api_key, query: api_key, key: "${KEY}"}
//	auth: {type: basic, username: harmony, password: "${PASSWORD}"}
//	auth: {type: oauth2, token_url: https://id.example.com/oauth/token,
//	       client_id: harmony, client_secret: "${SECRET}", scopes: [contacts.read]}
//
// oauth2 is the client-credentials grant: the token is fetched on the first
// call, cached until shortly before it expires, and fetched again when the
// API refuses it.
// Credentials are connectors.Secret values: they print as [REDACTED].
//
// The package also holds the HTTP plumbing those kinds share and Go
// connectors may reuse: Do sends a request and classifies every failure as a
// *connectors.Error (status codes, Retry-After, body size cap), without ever
// putting URLs, headers or bodies in the error text.
package httpauth

import (
	"context"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/harmonyhq/harmony/connectors"
)

// Authentication types.
const (
	TypeNone   = "none"
	TypeBearer = "bearer"
	TypeAPIKey = "api_key"
	TypeBasic  = "basic"
	TypeOAuth2 = "oauth2" // client credentials
)

// Config is an `auth:` block.
type Config struct {
	// Type is none (the default), bearer, api_key, basic or oauth2.
	Type string `yaml:"type" jsonschema:"enum=none,enum=bearer,enum=api_key,enum=basic,enum=oauth2"`
	// Token is the bearer token (type bearer), sent as
	// "Authorization: Bearer <token>".
	Token connectors.Secret `yaml:"token"`
	// Header names the header that carries Key (type api_key).
	Header string `yaml:"header"`
	// Query names the query parameter that carries Key (type api_key).
	Query string `yaml:"query"`
	// Key is the API key (type api_key).
	Key connectors.Secret `yaml:"key"`
	// Username is the basic user name (type basic).
	Username string `yaml:"username"`
	// Password is the basic password (type basic).
	Password connectors.Secret `yaml:"password"`
	// TokenURL is the authorisation server's token endpoint (type oauth2).
	TokenURL string `yaml:"token_url"`
	// ClientID identifies the client (type oauth2).
	ClientID string `yaml:"client_id"`
	// ClientSecret is the client's secret (type oauth2).
	ClientSecret connectors.Secret `yaml:"client_secret"`
	// Scopes are requested with the token (type oauth2, optional).
	Scopes []string `yaml:"scopes"`
	// Params are extra form values of the token request, such as audience
	// (type oauth2, optional).
	Params map[string]string `yaml:"params"`

	oauth *tokenCache // made on first use
}

// Validate checks the block, reporting keys under "auth".
func (c Config) Validate() error { return c.ValidateAt("auth") }

// ValidateAt checks the block configured at the dotted key prefix.
// Errors are *connectors.ConfigError and never contain credentials.
func (c Config) ValidateAt(prefix string) error {
	key := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	// used lists the keys each type reads; others must be empty.
	set := map[string]bool{
		"token":         c.Token != "",
		"header":        c.Header != "",
		"query":         c.Query != "",
		"key":           c.Key != "",
		"username":      c.Username != "",
		"password":      c.Password != "",
		"token_url":     c.TokenURL != "",
		"client_id":     c.ClientID != "",
		"client_secret": c.ClientSecret != "",
		"scopes":        len(c.Scopes) > 0,
		"params":        len(c.Params) > 0,
	}
	var used []string
	switch c.Type {
	case "", TypeNone:
	case TypeBearer:
		used = []string{"token"}
		if c.Token == "" {
			return connectors.Invalid(key("token"), "required for type bearer")
		}
	case TypeAPIKey:
		used = []string{"header", "query", "key"}
		if c.Key == "" {
			return connectors.Invalid(key("key"), "required for type api_key")
		}
		if (c.Header == "") == (c.Query == "") {
			return connectors.Invalid(key("type"), "api_key needs exactly one of header or query")
		}
		if c.Header != "" && !ValidHeaderName(c.Header) {
			return connectors.Invalid(key("header"), "not a valid header name")
		}
	case TypeBasic:
		used = []string{"username", "password"}
		if c.Username == "" {
			return connectors.Invalid(key("username"), "required for type basic")
		}
		if strings.Contains(c.Username, ":") {
			return connectors.Invalid(key("username"), "must not contain ':'")
		}
	case TypeOAuth2:
		used = []string{"token_url", "client_id", "client_secret", "scopes", "params"}
		u, err := url.Parse(c.TokenURL)
		switch {
		case c.TokenURL == "":
			return connectors.Invalid(key("token_url"), "required for type oauth2")
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			return connectors.Invalid(key("token_url"), "must be an http or https URL")
		case c.ClientID == "":
			return connectors.Invalid(key("client_id"), "required for type oauth2")
		case c.ClientSecret == "":
			return connectors.Invalid(key("client_secret"), "required for type oauth2")
		}
	default:
		return connectors.Invalid(key("type"), "unknown auth type (known: none, bearer, api_key, basic, oauth2)")
	}
	for _, k := range []string{"token", "header", "query", "key", "username", "password", "token_url", "client_id", "client_secret", "scopes", "params"} {
		if set[k] && !contains(used, k) {
			t := c.Type
			if t == "" {
				t = TypeNone
			}
			return connectors.Invalid(key(k), "not used by auth type %s", t)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ValidHeaderName reports whether h is a valid HTTP header field name.
func ValidHeaderName(h string) bool {
	if h == "" {
		return false
	}
	for _, c := range h {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", c) {
			return false
		}
	}
	return true
}

// Authorize adds the credentials to req, fetching an OAuth2 token through
// client with ctx when none is cached. It assumes Validate passed. Its
// errors are *connectors.Error without credentials or token-endpoint bodies.
func (c *Config) Authorize(ctx context.Context, client *http.Client, req *http.Request) error {
	if c.Type != TypeOAuth2 {
		c.Apply(req)
		return nil
	}
	tok, err := c.cache().token(ctx, client, c)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Observe tells the credentials how the API answered: a 401 drops a cached
// OAuth2 token, so that the next call fetches a new one.
func (c *Config) Observe(status int) {
	if c.Type == TypeOAuth2 && status == http.StatusUnauthorized {
		c.cache().drop()
	}
}

// Apply adds static credentials to req (every type but oauth2, which needs
// Authorize). It assumes Validate passed.
func (c Config) Apply(req *http.Request) {
	switch c.Type {
	case TypeBearer:
		req.Header.Set("Authorization", "Bearer "+c.Token.Reveal())
	case TypeAPIKey:
		if c.Header != "" {
			req.Header.Set(textproto.CanonicalMIMEHeaderKey(c.Header), c.Key.Reveal())
			return
		}
		q := req.URL.Query()
		q.Set(c.Query, c.Key.Reveal())
		req.URL.RawQuery = q.Encode()
	case TypeBasic:
		req.SetBasicAuth(c.Username, c.Password.Reveal())
	}
}

// Secrets returns the credential values, for scrubbing text that might echo
// them.
func (c Config) Secrets() []string {
	var out []string
	for _, s := range []connectors.Secret{c.Token, c.Key, c.Password, c.ClientSecret} {
		if s != "" {
			out = append(out, s.Reveal())
		}
	}
	return out
}
