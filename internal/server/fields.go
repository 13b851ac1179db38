package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/audit"
	"github.com/harmonyhq/harmony/internal/loaders"
)

// fieldHooks is the executor's one field interceptor: it gives a resolver
// field its span when the operation is traced, notes for the audit the
// customers a mutation's fields answer, and tells the field's level that
// the field ended (a field that read nothing, or that a directive refused,
// must not keep its level's batches waiting: docs/batching.md).
//
// One interceptor rather than three: gqlgen wraps every field, scalars
// included, in a closure per interceptor, and a customer 360 resolves
// hundreds of fields.
func fieldHooks(ctx context.Context, next graphql.Resolver) (any, error) {
	ctx, end := traceField(ctx)
	res, err := next(ctx)
	end(err)
	if err == nil && audit.NotingAnswers(ctx) {
		noteCustomers(ctx, res)
	}
	loaders.FieldEnded(ctx)
	return res, err
}

// noteCustomers notes for the audit the customers a mutation's field
// answered.
func noteCustomers(ctx context.Context, res any) {
	switch cu := res.(type) {
	case *model.Customer:
		if cu != nil {
			audit.NoteCustomer(ctx, cu.ID)
		}
	case model.Customer:
		audit.NoteCustomer(ctx, cu.ID)
	case []model.Customer:
		for _, c := range cu {
			audit.NoteCustomer(ctx, c.ID)
		}
	}
}
