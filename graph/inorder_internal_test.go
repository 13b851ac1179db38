package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// An object without a deferred field gets an empty group, which the
// executor leaves alone; one with a deferred field gets gqlgen's own.
func TestDeferredGroup(t *testing.T) {
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Object: "Customer"})
	plain := []graphql.CollectedField{{}, {}}
	if g := deferredGroup(ctx, plain); g.Defers != nil || g.FieldSet != nil {
		t.Errorf("no deferred field: got a group %+v", g)
	}
	deferred := []graphql.CollectedField{{}, {Deferrables: []*graphql.Deferrable{{Label: "later"}}}}
	if g := deferredGroup(ctx, deferred); g.Defers == nil || g.FieldSet == nil || g.Context != ctx {
		t.Errorf("a deferred field: got %+v, want gqlgen's group", g)
	}
	nonDeferrable := []graphql.CollectedField{{Deferrables: []*graphql.Deferrable{{Label: "x"}}, IsNonDeferrable: true}}
	if g := deferredGroup(ctx, nonDeferrable); g.Defers != nil {
		t.Errorf("a field both deferred and not: got a group")
	}
}
