package server

import (
	"context"
	"errors"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/audit"
	"github.com/harmonyhq/harmony/internal/consent"
	"github.com/harmonyhq/harmony/internal/loaders"
)

// auditExtension is the audit extension writing to the log the resolvers
// hold (see resolvers.Resolver.Audit); without one it writes nothing.
func auditExtension(o Options) graphql.HandlerExtension {
	if r, ok := o.Resolvers.(interface{ AuditLog() *audit.Log }); ok {
		return audit.Extension{Log: r.AuditLog()}
	}
	return audit.Extension{}
}

// consentDirective answers the field only for a customer who consented to
// purpose (on channel when given): the customer is the object the field
// belongs to, or the nearest customer above it. Otherwise the field is null
// with a CONSENT_REQUIRED error, and the rest of the answer arrives. The
// consents of every customer of a list are read in one batch.
func consentDirective(ctx context.Context, obj any, next graphql.Resolver, purpose model.Purpose, channel *model.Channel) (any, error) {
	id := customerOf(ctx, obj)
	if id == "" {
		return nil, &gqlerror.Error{Message: "consent required: no customer to check consent for",
			Extensions: map[string]any{"code": string(apperr.CodeConsentRequired)}}
	}
	ch := ""
	if channel != nil {
		ch = strings.ToLower(string(*channel))
	}
	err := consent.CheckWith(ctx, loaders.From(ctx), id, ch, strings.ToLower(string(purpose)))
	switch {
	case err == nil:
		return next(ctx)
	case errors.Is(err, consent.ErrRequired):
		return nil, &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": string(apperr.CodeConsentRequired)}}
	default:
		return nil, apperr.Store(err)
	}
}

// customerOf returns the ID of the customer a field belongs to: obj when it
// is one, else the nearest customer among the field's ancestors; "" when
// there is none.
func customerOf(ctx context.Context, obj any) string {
	if c, ok := obj.(*model.Customer); ok && c != nil {
		return c.ID
	}
	if e, ok := obj.(*model.ActivityEvent); ok && e != nil && e.CustomerID != nil {
		return *e.CustomerID
	}
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		switch c := fc.Result.(type) {
		case *model.Customer:
			if c != nil {
				return c.ID
			}
		case model.Customer:
			return c.ID
		}
	}
	return ""
}

// notePII records a personal-data field read in the operation's audit
// collector: its coordinate and the customer it belongs to.
func notePII(ctx context.Context, obj any) {
	if audit.From(ctx) == nil {
		return
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return
	}
	id := customerOf(ctx, obj)
	if r, ok := obj.(*model.PrivacyRequest); ok && r != nil {
		id = r.CustomerID
	}
	audit.NotePII(ctx, fc.Object+"."+fc.Field.Name, id)
}
