package audit

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/store"
)

// RequestIDHeader is the header whose value becomes an entry's request ID.
const RequestIDHeader = "X-Request-Id"

// Extension is the gqlgen handler extension that gives each operation a
// Collector and hands its entry to Log when the response is ready. Add it
// with srv.Use. A nil Log collects and writes nothing.
type Extension struct {
	Log *Log
}

var (
	_ graphql.HandlerExtension     = Extension{}
	_ graphql.OperationInterceptor = Extension{}
)

// ExtensionName implements graphql.HandlerExtension.
func (Extension) ExtensionName() string { return "Audit" }

// Validate implements graphql.HandlerExtension.
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation implements graphql.OperationInterceptor.
func (x Extension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if x.Log == nil {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	col := &Collector{}
	opType, opName := "query", oc.OperationName
	if oc.Operation != nil {
		opType = string(oc.Operation.Operation)
		if opName == "" {
			opName = oc.Operation.Name
		}
		if oc.Operation.Operation == ast.Mutation {
			col.mutation = true
			col.mutations = rootFields("Mutation", oc.Operation.SelectionSet)
		}
	}
	start := time.Now().UTC()
	who := caller.Name(ctx)
	requestID := ""
	if oc.Headers != nil {
		requestID = oc.Headers.Get(RequestIDHeader)
		if len(requestID) > 128 {
			requestID = requestID[:128]
		}
	}
	ctx = With(ctx, col)
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if resp == nil {
			return nil
		}
		fields, customers, mutations := col.take()
		if len(fields) == 0 && len(mutations) == 0 {
			return resp
		}
		x.Log.Add(store.AuditEntry{ID: store.NewAuditID(start), At: start, Actor: who,
			OperationName: opName, OperationType: opType,
			Mutations: mutations, PIIFields: fields, CustomerIDs: customers, RequestID: requestID})
		return resp
	}
}

// NotingAnswers reports whether the operation in ctx notes the customers
// its fields answer: in a mutation, every customer a field answers counts
// as touched. The server's field interceptor asks it after each field, and
// calls NoteCustomer with the IDs of the customers the field answered
// (which only it, holding the GraphQL models, can read).
func NotingAnswers(ctx context.Context) bool {
	c := From(ctx)
	return c != nil && c.isMutation()
}

// rootFields names the root fields of a selection set as Type.field.
func rootFields(typ string, set ast.SelectionSet) []string {
	var out []string
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, typ+"."+s.Name)
		case *ast.InlineFragment:
			out = append(out, rootFields(typ, s.SelectionSet)...)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				out = append(out, rootFields(typ, s.Definition.SelectionSet)...)
			}
		}
	}
	return out
}
