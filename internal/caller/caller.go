// Package caller carries who makes a request through its context, for the
// history and audit records. Authentication sets it; without it the caller
// is Anonymous.
package caller

import "context"

// Anonymous names an unauthenticated caller.
const Anonymous = "anonymous"

type ctxKey struct{}

// With returns ctx carrying the caller's name (a key ID or token subject,
// never personal data).
func With(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, ctxKey{}, name)
}

// Name returns the caller's name, Anonymous when none was set.
func Name(ctx context.Context) string {
	if n, ok := ctx.Value(ctxKey{}).(string); ok && n != "" {
		return n
	}
	return Anonymous
}
