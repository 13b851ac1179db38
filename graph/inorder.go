package graph

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// marshalSliceInOrder marshals a list's elements one after the other on
// the calling goroutine. The generated executor calls it in place of
// graphql.MarshalSliceConcurrently (internal/codegen/inorder says why), with
// the same arguments; workerLimit is ignored, and an element that panics is
// null with an error, as gqlgen does unless omitPanicHandler.
func marshalSliceInOrder(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler,
) graphql.Array {
	ret := make(graphql.Array, length)
	if length == 0 {
		return ret
	}
	// One allocation for every element's field context and index.
	fcs := make([]graphql.FieldContext, length)
	idx := make([]int, length)
	for i := range length {
		idx[i] = i
		fcs[i].Index = &idx[i]
		ret[i] = marshalOne(graphql.WithFieldContext(ctx, &fcs[i]), i, omitPanicHandler, marshalElement)
	}
	return ret
}

func marshalOne(ctx context.Context, i int, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler,
) (m graphql.Marshaler) {
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(ctx, graphql.Recover(ctx, r))
				m = graphql.Null
			}
		}()
	}
	return marshalElement(ctx, i)
}

// deferredGroup replaces graphql.NewDeferredGroup in the generated object
// marshallers (internal/codegen/inorder): the group holds the object's
// @defer'd fields, and gqlgen builds one per object, with its path, a field
// set and a map, though a field is rarely deferred. Without a deferred
// field the group stays empty: the executor reads only its Defers' length
// then, and graphql.FieldSet.ResolveConcurrently touches it only for a
// deferred field.
func deferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for i := range fields {
		if fields[i].IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{}
}

// objectFields is what a generated object marshaller returns in place of
// its *graphql.FieldSet (internal/codegen/inorder): the same JSON object,
// written without the copy of each field and the map of written aliases
// that graphql.FieldSet.MarshalGQL allocates per object.
type objectFields struct {
	set    *graphql.FieldSet
	fields []graphql.CollectedField
}

var (
	openBrace  = []byte{'{'}
	closeBrace = []byte{'}'}
	comma      = []byte{','}
	aliasEnd   = []byte{'"', ':'}
	quote      = []byte{'"'}
)

// MarshalGQL writes {"alias":value,...} in the fields' order, each alias
// once, as graphql.FieldSet does. Aliases are GraphQL names
// ([_A-Za-z][_0-9A-Za-z]*), which need no escaping.
func (o objectFields) MarshalGQL(w io.Writer) {
	_, _ = w.Write(openBrace)
	first := true
	for i := range o.fields {
		alias := o.fields[i].Alias
		if seenAlias(o.fields[:i], alias) {
			continue
		}
		if !first {
			_, _ = w.Write(comma)
		}
		first = false
		_, _ = w.Write(quote)
		_, _ = io.WriteString(w, alias)
		_, _ = w.Write(aliasEnd)
		o.set.Values[i].MarshalGQL(w)
	}
	_, _ = w.Write(closeBrace)
}

// seenAlias reports whether an earlier field has alias. The executor
// merges the selections of one alias into one field, so this is a
// safeguard that costs a few comparisons per field.
func seenAlias(before []graphql.CollectedField, alias string) bool {
	for i := range before {
		if before[i].Alias == alias {
			return true
		}
	}
	return false
}
