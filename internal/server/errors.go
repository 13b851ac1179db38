package server

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/apperr"
)

// presenter shapes every error a client sees. It never echoes the request:
// connector and gateway errors get their public message and a code;
// gqlgen's own messages lose the fragments of input some of them quote;
// anything else is logged and shown as an internal error.
func presenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := graphql.DefaultErrorPresenter(ctx, err)
		var (
			ce *connectors.Error
			ae *apperr.Error
			ge *gqlerror.Error
		)
		switch {
		case errors.As(err, &ce):
			out.Message = ce.Public()
			out.Extensions = map[string]any{"code": string(ce.Code), "connector": ce.Connector, "capability": string(ce.Capability)}
		case errors.As(err, &ae):
			out.Message = ae.Public
			out.Extensions = map[string]any{"code": string(ae.Code)}
			if ae.Code != apperr.CodeBadInput {
				log.ErrorContext(ctx, "operation failed", "code", string(ae.Code), "error", ae.Error(), "path", out.Path.String())
			}
		case isIntrospectionDisabled(err):
			// gqlgen's own plain error when the extension is off.
			out.Message = "introspection is disabled on this gateway"
			out.Extensions = map[string]any{"code": "INTROSPECTION_DISABLED"}
		case errors.As(err, &ge) && ge.Err == nil:
			// gqlgen's and gqlparser's own errors: parsing, validation,
			// variables, limits.
			out.Message = scrub(out)
		default:
			log.ErrorContext(ctx, "operation failed", "error", err.Error(), "path", out.Path.String())
			out.Message = "internal error"
			out.Extensions = map[string]any{"code": string(apperr.CodeInternal)}
		}
		out.Err = nil // never serialised, but keep causes out of any later hook
		return out
	}
}

// isIntrospectionDisabled recognises gqlgen's plain error for an
// introspection field when the extension is off.
func isIntrospectionDisabled(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == "introspection disabled" {
			return true
		}
	}
	return false
}

// quoted matches a double-quoted fragment that is not a GraphQL name: names
// of fields and types are safe to show, literal values are not.
var quoted = regexp.MustCompile(`"[^"]*"`)
var graphQLName = regexp.MustCompile(`^"[_A-Za-z][_0-9A-Za-z]*"$`)

func scrub(e *gqlerror.Error) string {
	msg := e.Message
	switch {
	case strings.HasPrefix(msg, "json request body could not be decoded"):
		return "request body is not valid JSON"
	case strings.HasPrefix(msg, "could not read request body"):
		return "could not read the request body"
	case strings.HasPrefix(msg, "operation ") && strings.HasSuffix(msg, " not found"):
		// gqlgen quotes operationName as sent, unescaped.
		return "the document has no operation of that name"
	case len(e.Path) > 0 && e.Path[0] == ast.PathName("variable"):
		return "variable " + variableName(e.Path) + " has an invalid value"
	}
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		if graphQLName.MatchString(q) {
			return q
		}
		return `"…"`
	})
}

func variableName(p ast.Path) string {
	if len(p) > 1 {
		if name, ok := p[1].(ast.PathName); ok {
			return "$" + string(name)
		}
	}
	return ""
}
