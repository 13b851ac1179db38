// Package caller carries who makes a request through its context: a name
// for history and audit records (a key ID or token subject, never personal
// data) and the scopes the caller was granted. Authentication sets it;
// without it the caller is Anonymous with no scope.
package caller

import (
	"context"
	"slices"
	"time"
)

// Anonymous names an unauthenticated caller.
const Anonymous = "anonymous"

// Scopes the schema and the server check.
const (
	ScopeRead          = "customers:read" // read the customer graph
	ScopePIIRead       = "pii:read"       // see personal data unmasked
	ScopeIdentityWrite = "identity:write" // link, unlink, merge, split
	ScopeSegmentsWrite = "segments:write" // save and delete segments
	ScopeConsentWrite  = "consent:write"  // record consents
	ScopePrivacyWrite  = "privacy:write"  // erase and export customers' data
	ScopeMessagesSend  = "messages:send"  // send messages to customers (actions)
	// ScopeInteractionsWrite records interactions (agents' notes, offline contacts).
	ScopeInteractionsWrite = "interactions:write"
	ScopeAdmin             = "admin" // every scope
)

// Caller is who makes a request.
type Caller struct {
	Name   string
	Scopes []string
	// Expires is when the credential stops being accepted (a token's exp,
	// with the clock skew the gateway tolerates); zero when it does not
	// expire (an API key, the open demo). A subscription ends then.
	Expires time.Time
	// Credential names the credential for revocation (an API key's hash),
	// "" for one that cannot be revoked without expiring (a token). It is
	// never logged.
	Credential string
}

// Expired reports whether the caller's credential has expired at now.
func (c Caller) Expired(now time.Time) bool { return !c.Expires.IsZero() && !now.Before(c.Expires) }

// Has reports whether the caller holds scope; admin holds every scope.
func (c Caller) Has(scope string) bool {
	return slices.Contains(c.Scopes, scope) || slices.Contains(c.Scopes, ScopeAdmin)
}

type ctxKey struct{}

// With returns ctx carrying c.
func With(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// From returns the caller of ctx: Anonymous with no scope when none was set.
func From(ctx context.Context) Caller {
	if c, ok := ctx.Value(ctxKey{}).(Caller); ok && c.Name != "" {
		return c
	}
	return Caller{Name: Anonymous}
}

// Name returns the caller's name, Anonymous when none was set.
func Name(ctx context.Context) string { return From(ctx).Name }
