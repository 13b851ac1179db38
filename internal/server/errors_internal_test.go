package server

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestArgumentErrors: an error whose path goes from a field into one of
// its arguments is an argument error, named with the input fields in it;
// an error of a child whose response key happens to be an argument's name
// is not (its code must survive).
func TestArgumentErrors(t *testing.T) {
	field := &ast.Field{Alias: "customers", Name: "customers",
		Arguments:    ast.ArgumentList{{Name: "filter"}, {Name: "first"}},
		SelectionSet: ast.SelectionSet{&ast.Field{Alias: "first", Name: "edges"}}}
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{
		Field: graphql.CollectedField{Field: field, Selections: field.SelectionSet},
	})
	for _, tt := range []struct {
		path ast.Path
		want string
	}{
		{ast.Path{ast.PathName("customers"), ast.PathName("filter"), ast.PathName("orderedSince")}, "filter.orderedSince"},
		{ast.Path{ast.PathName("customers"), ast.PathName("filter"), ast.PathName("inSystems"), ast.PathIndex(2)}, "filter.inSystems[2]"},
		{ast.Path{ast.PathName("customers"), ast.PathName("first")}, ""}, // the child aliased "first"
		{ast.Path{ast.PathName("customers")}, ""},
		{ast.Path{ast.PathName("other"), ast.PathName("filter")}, ""},
		{ast.Path{ast.PathName("customers"), ast.PathName("after")}, ""},
	} {
		if got := argumentName(ctx, &gqlerror.Error{Path: tt.path}); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.path, got, tt.want)
		}
	}
}
