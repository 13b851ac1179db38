package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/harmonyhq/harmony/graph"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/mask"
)

// codeForbidden is the extensions.code of a field the caller's scopes do
// not reach.
const codeForbidden = "FORBIDDEN"

// directives implements the schema's authorisation directives.
func directives() graph.DirectiveRoot {
	return graph.DirectiveRoot{
		RequiresScope: requiresScope,
		Pii:           pii,
		Consent:       consentDirective,
	}
}

// requiresScope answers the field only for a caller holding scope. A refusal
// is a field error (null data for that field, the rest of the answer
// arrives), not logged: it is the caller's doing, not the gateway's.
func requiresScope(ctx context.Context, _ any, next graphql.Resolver, scope string) (any, error) {
	if caller.From(ctx).Has(scope) {
		return next(ctx)
	}
	return nil, &gqlerror.Error{
		Message:    "forbidden: this field needs the scope " + scope,
		Extensions: map[string]any{"code": codeForbidden},
	}
}

// pii masks a string value for a caller without pii:read. Errors, null and
// non-string values pass unchanged; a caller with the scope costs a context
// lookup and nothing else.
func pii(ctx context.Context, obj any, next graphql.Resolver, kind model.PiiKind) (any, error) {
	v, err := next(ctx)
	if err != nil || caller.From(ctx).Has(caller.ScopePIIRead) {
		if err == nil && v != nil {
			// Audited: the caller read the value unmasked.
			notePII(ctx, obj)
		}
		return v, err
	}
	switch s := v.(type) {
	case string:
		return maskAs(piiKind(ctx, obj, kind), s), nil
	case *string:
		if s == nil {
			return s, nil
		}
		m := maskAs(piiKind(ctx, obj, kind), *s)
		return &m, nil
	}
	return v, nil
}

// piiKind refines the schema's kind: an identifier is masked by its own
// kind, a golden-profile value by the profile field it belongs to.
func piiKind(ctx context.Context, obj any, kind model.PiiKind) model.PiiKind {
	switch o := obj.(type) {
	case *model.Identity:
		return identifierKind(o.Kind)
	case *model.IdentityRef:
		return identifierKind(o.Kind)
	case *model.MatchEvidence:
		return identifierKind(o.Kind)
	case *model.ProfileField, *model.ProfileValue:
		// ProfileField.value sits under Profile.<field>, ProfileValue.value
		// under Profile.<field>.alternatives[i].
		for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
			if fc.Object == "Profile" && fc.Field.Field != nil {
				return profileKind(fc.Field.Name, kind)
			}
		}
	}
	return kind
}

func identifierKind(k model.IdentifierKind) model.PiiKind {
	switch k {
	case model.IdentifierKindEmail:
		return model.PiiKindEmail
	case model.IdentifierKindPhone, model.IdentifierKindWhatsapp:
		return model.PiiKindPhone
	default:
		return model.PiiKindID
	}
}

func profileKind(field string, def model.PiiKind) model.PiiKind {
	switch field {
	case "email":
		return model.PiiKindEmail
	case "phone", "whatsapp":
		return model.PiiKindPhone
	case "givenName", "familyName":
		return model.PiiKindName
	case "birthDate":
		return model.PiiKindDate
	case "loyaltyCard":
		return model.PiiKindID
	}
	return def
}

func maskAs(kind model.PiiKind, s string) string {
	switch kind {
	case model.PiiKindEmail:
		return mask.Email(s)
	case model.PiiKindPhone:
		return mask.Phone(s)
	case model.PiiKindName:
		return mask.Name(s)
	case model.PiiKindID:
		return mask.ID(s)
	case model.PiiKindDate:
		return mask.Date(s)
	default:
		return mask.Text(s)
	}
}
