package config

import (
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/internal/caller"
)

// Auth configures who may call /graphql: API keys, stored hashed, and JWT
// bearer tokens checked against an identity provider's JWKS. With neither,
// the gateway is open, and only on a loopback address.
type Auth struct {
	// APIKeys are the accepted API keys.
	APIKeys []APIKey `yaml:"api_keys"`
	// JWT accepts bearer tokens signed by an identity provider.
	JWT *JWT `yaml:"jwt"`
	// Roles override the built-in roles or add new ones: role name to
	// scopes.
	Roles map[string][]string `yaml:"roles"`
}

// APIKey is one accepted key, stored as the SHA-256 of the key.
type APIKey struct {
	// ID names the caller in history and audit records.
	ID string `yaml:"id"`
	// SHA256 is the lower- or upper-case hex SHA-256 of the key, never the
	// key itself: printf %s "$KEY" | sha256sum.
	SHA256 string `yaml:"sha256"`
	// Role grants the role's scopes.
	Role string `yaml:"role"`
	// Scopes are granted as well as the role's.
	Scopes []string `yaml:"scopes" jsonschema_extras:"x-choices=scope"`

	// Line is where the key starts in the file.
	Line int `yaml:"-"`
}

// JWT configures bearer-token verification.
type JWT struct {
	// JWKSURL is where the identity provider publishes its signing keys:
	// https, or http on loopback.
	JWKSURL string `yaml:"jwks_url"`
	// Issuer must equal the token's iss claim.
	Issuer string `yaml:"issuer"`
	// Audience must be one of the token's aud values.
	Audience string `yaml:"audience"`
	// ScopesClaim names the claim holding scopes, a space-separated
	// string or an array. Default "scope".
	ScopesClaim string `yaml:"scopes_claim"`
	// RoleClaim, optional, names a claim holding a role name (or an array
	// of them) whose scopes are granted as well.
	RoleClaim string `yaml:"role_claim"`

	// Line is where the block starts in the file.
	Line int `yaml:"-"`
}

// DefaultScopesClaim is the JWT claim read for scopes unless configured.
const DefaultScopesClaim = "scope"

// Scopes are the scopes a key, role or token can grant.
var Scopes = []string{caller.ScopeRead, caller.ScopePIIRead, caller.ScopeIdentityWrite, caller.ScopeSegmentsWrite,
	caller.ScopeConsentWrite, caller.ScopePrivacyWrite, caller.ScopeInteractionsWrite, caller.ScopeMessagesSend, caller.ScopeAdmin}

// BuiltinRoles are the roles every configuration has. Analysts read the
// graph and save segments but hold no pii:read: they see masked
// identifiers. Agents record the consents customers give them; privacy
// requests (erasure, export) are for admins, or a role granted
// privacy:write.
func BuiltinRoles() map[string][]string {
	return map[string][]string{
		"app":        {caller.ScopeRead},
		"agent":      {caller.ScopeRead, caller.ScopePIIRead, caller.ScopeIdentityWrite, caller.ScopeConsentWrite, caller.ScopeInteractionsWrite, caller.ScopeMessagesSend},
		"analyst":    {caller.ScopeRead, caller.ScopeSegmentsWrite},
		"integrator": {caller.ScopeRead},
		"admin":      {caller.ScopeAdmin},
	}
}

// Enabled reports whether any credential is configured.
func (a Auth) Enabled() bool { return len(a.APIKeys) > 0 || a.JWT != nil }

// RoleScopes returns the built-in roles with the configured overrides and
// additions applied.
func (a Auth) RoleScopes() map[string][]string {
	roles := BuiltinRoles()
	maps.Copy(roles, a.Roles)
	return roles
}

func (c *Config) validateAuth(bad func(int, string, string, ...any) error) error {
	a := &c.Auth
	for _, name := range slices.Sorted(maps.Keys(a.Roles)) {
		key := "auth.roles." + name
		if !nameRE.MatchString(name) {
			return bad(0, key, "a role name must be lower case letters, digits, '-' or '_', starting with a letter")
		}
		if err := checkScopes(key, a.Roles[name], 0, bad); err != nil {
			return err
		}
	}
	roles := a.RoleScopes()
	ids := map[string]bool{}
	for i, k := range a.APIKeys {
		key := fmt.Sprintf("auth.api_keys[%d]", i)
		switch {
		case k.ID == "":
			return bad(k.Line, key+".id", "is required")
		case !nameRE.MatchString(k.ID):
			return bad(k.Line, key+".id", "must be lower case letters, digits, '-' or '_', starting with a letter")
		case ids[k.ID]:
			return bad(k.Line, key+".id", "%q is used by another key", k.ID)
		case k.SHA256 == "":
			return bad(k.Line, key+".sha256", `is required: the SHA-256 of the key in hex (printf %%s "$KEY" | sha256sum), never the key`)
		case !isSHA256Hex(k.SHA256):
			return bad(k.Line, key+".sha256", `must be 64 hex characters: the SHA-256 of the key (printf %%s "$KEY" | sha256sum), never the key`)
		case k.Role == "" && len(k.Scopes) == 0:
			return bad(k.Line, key, "needs a role or scopes")
		}
		if _, ok := roles[k.Role]; k.Role != "" && !ok {
			return bad(k.Line, key+".role", "unknown role %q (known: %s)", k.Role, strings.Join(slices.Sorted(maps.Keys(roles)), ", "))
		}
		if err := checkScopes(key+".scopes", k.Scopes, k.Line, bad); err != nil {
			return err
		}
		ids[k.ID] = true
	}
	for i, k := range a.APIKeys {
		for j := range i {
			if strings.EqualFold(a.APIKeys[j].SHA256, k.SHA256) {
				return bad(k.Line, fmt.Sprintf("auth.api_keys[%d].sha256", i), "is the same hash as key %q", a.APIKeys[j].ID)
			}
		}
	}
	if j := a.JWT; j != nil {
		switch {
		case j.JWKSURL == "":
			return bad(j.Line, "auth.jwt.jwks_url", "is required")
		case !secureURL(j.JWKSURL):
			return bad(j.Line, "auth.jwt.jwks_url", "must be an https URL (http only on loopback)")
		case j.Issuer == "":
			return bad(j.Line, "auth.jwt.issuer", "is required")
		case j.Audience == "":
			return bad(j.Line, "auth.jwt.audience", "is required")
		}
	}
	return nil
}

func checkScopes(key string, scopes []string, line int, bad func(int, string, string, ...any) error) error {
	for i, s := range scopes {
		if !slices.Contains(Scopes, s) {
			return bad(line, fmt.Sprintf("%s[%d]", key, i), "unknown scope %q (known: %s)", s, strings.Join(Scopes, ", "))
		}
	}
	return nil
}

func isSHA256Hex(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}

func secureURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return IsLoopbackHost(u.Hostname())
	}
	return false
}

// IsLoopback reports whether a listen address (host:port) is on loopback
// only: localhost, 127.0.0.0/8 or ::1. An empty host (every interface) is
// not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && IsLoopbackHost(host)
}

// IsLoopbackHost reports whether host names or is a loopback address.
func IsLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authLines records where each API key and the JWT block start.
func authLines(n *yaml.Node, a *Auth) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := n.Content[i+1]
		switch n.Content[i].Value {
		case "api_keys":
			for j, item := range v.Content {
				if v.Kind == yaml.SequenceNode && j < len(a.APIKeys) {
					a.APIKeys[j].Line = item.Line
				}
			}
		case "jwt":
			if a.JWT != nil {
				a.JWT.Line = v.Line
			}
		}
	}
}
