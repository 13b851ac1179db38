package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

func TestShapeOf(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       leafShape
		ok         bool
	}{
		{"scalar with null check", `_ = sel
	res := graphql.MarshalString(v)
	if res == graphql.Null {
		graphql.AddInvalidNullFromMarshaler(ctx, "String!")
	}
	return res`, leafShape{call: "MarshalString"}, true},
		{"nullable pointer", `if v == nil {
		return graphql.Null
	}
	_ = sel
	_ = ctx
	res := graphql.MarshalTime(*v)
	return res`, leafShape{ptr: true, call: "MarshalTime"}, true},
		{"enum", `return v`, leafShape{}, true},
		{"nullable enum", `if v == nil {
		return graphql.Null
	}
	return v`, leafShape{ptr: true}, true},
		{"context marshaller", `_ = sel
	res := graphql.MarshalFloatContext(v)
	if res == graphql.Null {
		graphql.AddInvalidNullFromMarshaler(ctx, "Float!")
	}
	return graphql.WrapContextMarshaler(ctx, res)`, leafShape{}, false},
		{"non-null pointer reports nil", `if v == nil {
		if !graphql.HasFieldError(ctx, graphql.GetFieldContext(ctx)) {
			graphql.AddInvalidNullError(ctx, "String!")
		}
		return graphql.Null
	}
	res := graphql.MarshalString(*v)
	return res`, leafShape{}, false},
		{"object", `return ec._Money(ctx, sel, &v)`, leafShape{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "package p\nfunc (ec *executionContext) marshalX(ctx context.Context, sel ast.SelectionSet, v T) graphql.Marshaler {\n\t" + tc.body + "\n}\n"
			f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := shapeOf(f.Decls[0].(*ast.FuncDecl))
			if ok != tc.ok || (ok && got != tc.want) {
				t.Errorf("shapeOf = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestLeafFastPath(t *testing.T) {
	shapes := map[string]leafShape{"marshalNString2string": {call: "MarshalString"}}
	field := func(obj, resolver, middleware string) string {
		return `package p
func (ec *executionContext) _T_f(ctx context.Context, field graphql.CollectedField, obj *model.` + obj + `) (ret graphql.Marshaler) {
	return graphql.ResolveField(ctx, ec.OperationContext, field, ec.fieldContext_T_f,
		func(ctx context.Context) (any, error) {
			` + resolver + `
		},
		` + middleware + `,
		func(ctx context.Context, selections ast.SelectionSet, v string) graphql.Marshaler {
			return ec.marshalNString2string(ctx, selections, v)
		},
		true, true)
}
`
	}
	for _, tc := range []struct {
		name, src string
		want      bool
	}{
		{"struct field", field("T", "return obj.Name, nil", "nil"), true},
		{"resolver", field("T", "return ec.resolvers.T().F(ctx, obj)", "nil"), false},
		{"method", field("T", "return obj.Name(), nil", "nil"), false},
		{"directive", field("T", "return obj.Name, nil", "func(ctx context.Context, next graphql.Resolver) graphql.Resolver { return next }"), false},
		{"level member", field("Customer", "return obj.Name, nil", "nil"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parser.ParseFile(token.NewFileSet(), "x.go", tc.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			text, ok := leafFastPath(f.Decls[0].(*ast.FuncDecl), shapes, map[string]bool{"Customer": true})
			if ok != tc.want {
				t.Fatalf("leafFastPath = %v, want %v", ok, tc.want)
			}
			if ok {
				if _, err := parser.ParseFile(token.NewFileSet(), "y.go", "package p\nfunc f() {"+text+"}", 0); err != nil {
					t.Errorf("fast path does not parse: %v\n%s", err, text)
				}
			}
		})
	}
}
