package server

import (
	"context"
	"errors"
	"fmt"
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
		case isArgumentError(ctx, out):
			// gqlgen could not read an argument's literal (a DateTime
			// that is not one): its cause quotes the value, so it is
			// neither shown nor logged.
			out.Message = "argument " + argumentName(ctx, out) + " has an invalid value"
			out.Extensions = map[string]any{"code": string(apperr.CodeBadInput)}
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

// valueMessages are gqlparser's messages that print a literal of the
// request (ValuesOfCorrectType: "Int cannot represent non-integer value:
// 3361234567.8", "Value "SMITH" does not exist in "Channel!" enum."; the
// lexer's escapes), and their rewrites without it.
var valueMessages = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`^(\w+) cannot represent (.*?)value: .*$`), "$1 cannot represent ${2}value."},
	{regexp.MustCompile(`^(Enum "` + typeRef + `") cannot represent non-enum value: .*$`), "$1 cannot represent a non-enum value."},
	{regexp.MustCompile(`^Value ".*" does not exist in ("` + typeRef + `") enum\.$`), "The value does not exist in $1 enum."},
	{regexp.MustCompile(`^(Expected value of type "` + typeRef + `"), found .*$`), "$1, found a value of another type."},
	{regexp.MustCompile(`^Invalid character escape sequence.*$`), "Invalid character escape sequence."},
}

// typeRef matches a type as gqlparser writes it: Channel, [String!]!.
const typeRef = `\[*[_A-Za-z][_0-9A-Za-z]*!?(?:\]!?)*`

// tokenValue matches a literal token as the parser quotes it (`found Int
// "33612345678"`): its value goes, its kind stays.
var tokenValue = regexp.MustCompile(`\b(String|BlockString|Int|Float) "(?:[^"\\]|\\.)*"`)

// quoted matches a double-quoted fragment, escapes included. Names of
// fields, types, directives and variables are safe to show; anything else
// is a literal value.
var (
	quoted      = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	graphQLName = regexp.MustCompile(`^"(?:@|\$)?` + typeRef + `"$`)
)

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
	for _, m := range valueMessages {
		if m.re.MatchString(msg) {
			return m.re.ReplaceAllString(msg, m.with)
		}
	}
	msg = tokenValue.ReplaceAllString(msg, "$1")
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

// isArgumentError reports whether out is gqlgen's failure to read an
// argument of the field being resolved: its path is the field's followed
// by one of the field's arguments (and the input fields inside it).
func isArgumentError(ctx context.Context, out *gqlerror.Error) bool {
	return argumentName(ctx, out) != ""
}

// argumentName is the argument an argument error is about, with the input
// field in it (filter.orderedSince), "" when out is not one.
func argumentName(ctx context.Context, out *gqlerror.Error) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return ""
	}
	field := fc.Path()
	if len(out.Path) <= len(field) {
		return ""
	}
	for i, p := range field {
		if fmt.Sprint(p) != fmt.Sprint(out.Path[i]) {
			return ""
		}
	}
	name, ok := out.Path[len(field)].(ast.PathName)
	if !ok || fc.Field.Arguments.ForName(string(name)) == nil {
		return ""
	}
	for _, sel := range fc.Field.Selections {
		if f, ok := sel.(*ast.Field); ok && f.Alias == string(name) {
			return "" // a child's error, whose key happens to be an argument's name
		}
	}
	// The input fields and list positions inside the argument: names of
	// the schema and numbers, never values.
	arg := string(name)
	for _, p := range out.Path[len(field)+1:] {
		switch p := p.(type) {
		case ast.PathName:
			arg += "." + string(p)
		case ast.PathIndex:
			arg += fmt.Sprintf("[%d]", int(p))
		}
	}
	return arg
}

// maxErrors bounds the errors of one answer (each answer of a batch, each
// event of a subscription): a request that makes thousands of errors
// (a validation error per field, a failing system per customer of a page)
// would otherwise be answered many times its size.
const maxErrors = 100

// codeTruncated marks the last error of an answer that had more than
// maxErrors: it says how many were left out.
const codeTruncated = "ERRORS_TRUNCATED"

// capErrors keeps the first maxErrors-1 errors of resp and replaces the
// rest with one error saying how many were left out.
func capErrors(resp *graphql.Response) *graphql.Response {
	if resp == nil || len(resp.Errors) <= maxErrors {
		return resp
	}
	omitted := len(resp.Errors) - (maxErrors - 1)
	kept := make(gqlerror.List, maxErrors-1, maxErrors)
	copy(kept, resp.Errors)
	resp.Errors = append(kept, &gqlerror.Error{
		Message:    fmt.Sprintf("%d more errors left out: an answer carries at most %d", omitted, maxErrors),
		Extensions: map[string]any{"code": codeTruncated},
	})
	return resp
}
