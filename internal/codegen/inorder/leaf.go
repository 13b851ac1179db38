package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// Leaf fields. gqlgen resolves every field through graphql.ResolveField: a
// FieldContext with a closure, a context.Context holding it, a closure per
// field interceptor, the value boxed twice and a deferred recover, about
// ten allocations for a field that reads a string out of a struct. A
// customer 360 has hundreds of them (an order's id, source, channel...).
//
// A leaf field is one whose resolver is a plain struct field read
// (`return obj.X, nil`), with no directive (no middleware chain, so no
// @pii), of a scalar or enum type whose marshaller is one of gqlgen's
// trivial shapes (graphql.MarshalString and the like, or an enum's own
// MarshalGQL). Its generated function gets a fast path first: marshal the
// value directly, with no field context and no field interceptor. The
// marshallers answer null for a value they refuse (the zero time of a
// DateTime!), and only then does the field take gqlgen's own path, which
// reports the error at the field's path exactly as before. The fast path
// changes nothing in the answer; what it skips is the field interceptors
// (internal/server's fieldHooks) for these fields, which act only on
// resolver fields, customers and the fields of a level's members.
//
// The fields of a level member (a type with an OfLevel method, the
// Customer) keep gqlgen's path: the interceptor counts their arrival
// (internal/loaders.FieldEnded), and a level waits for every selected
// field.

// memberMethod marks a model type whose fields must keep the interceptors.
const memberMethod = "OfLevel"

// leafShape is what a marshaller does with its value v.
type leafShape struct {
	ptr  bool   // nil is graphql.Null, with no error
	call string // graphql.<call>(v), or "" for v itself (an enum)
}

// rewriteLeaves gives the leaf fields of dir's generated files their fast
// path and returns how many fields it rewrote.
func rewriteLeaves(root *os.Root, files []string, members map[string]bool) (int, error) {
	type parsed struct {
		name string
		src  []byte
		file *ast.File
		fset *token.FileSet
	}
	var all []parsed
	shapes := map[string]leafShape{}
	for _, f := range files {
		src, err := root.ReadFile(f)
		if err != nil {
			return 0, err
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, f, src, parser.ParseComments)
		if err != nil {
			return 0, err
		}
		all = append(all, parsed{f, src, file, fset})
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !strings.HasPrefix(fn.Name.Name, "marshal") {
				continue
			}
			if s, ok := shapeOf(fn); ok {
				shapes[fn.Name.Name] = s
			}
		}
	}
	total := 0
	for _, p := range all {
		type edit struct {
			at   int
			text string
		}
		var edits []edit
		for _, d := range p.file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Body == nil {
				continue
			}
			text, ok := leafFastPath(fn, shapes, members)
			if !ok {
				continue
			}
			edits = append(edits, edit{at: p.fset.Position(fn.Body.Lbrace).Offset + 1, text: text})
		}
		if len(edits) == 0 {
			continue
		}
		var out bytes.Buffer
		prev := 0
		for _, e := range edits {
			out.Write(p.src[prev:e.at])
			out.WriteString(e.text)
			prev = e.at
		}
		out.Write(p.src[prev:])
		if err := root.WriteFile(p.name, out.Bytes(), 0o600); err != nil {
			return 0, err
		}
		total += len(edits)
	}
	return total, nil
}

// leafFastPath returns the statements that open fn's body when fn
// resolves a leaf field, and false otherwise.
func leafFastPath(fn *ast.FuncDecl, shapes map[string]leafShape, members map[string]bool) (string, bool) {
	if !strings.HasPrefix(fn.Name.Name, "_") || len(fn.Body.List) != 1 || fn.Type.Params.NumFields() != 3 {
		return "", false
	}
	// (ctx context.Context, field graphql.CollectedField, obj *model.T)
	last := fn.Type.Params.List[len(fn.Type.Params.List)-1]
	if len(last.Names) != 1 || last.Names[0].Name != "obj" || members[typeName(last.Type)] {
		return "", false
	}
	ret, ok := fn.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return "", false
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok || !isSel(call.Fun, "graphql", "ResolveField") || len(call.Args) != 9 {
		return "", false
	}
	// The resolver: func(ctx context.Context) (any, error) { return obj.X, nil }
	res, ok := call.Args[4].(*ast.FuncLit)
	if !ok || len(res.Body.List) != 1 {
		return "", false
	}
	rr, ok := res.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(rr.Results) != 2 || !isIdent(rr.Results[1], "nil") {
		return "", false
	}
	read, ok := rr.Results[0].(*ast.SelectorExpr)
	if !ok || !isIdent(read.X, "obj") {
		return "", false
	}
	// No directive: no middleware chain.
	if !isIdent(call.Args[5], "nil") {
		return "", false
	}
	shape, ok := shapes[marshallerOf(call.Args[6])]
	if !ok {
		return "", false
	}
	value := "obj." + read.Sel.Name
	marshal := func(v string) string {
		if shape.call == "" {
			return "graphql.Marshaler(" + v + ")"
		}
		return "graphql." + shape.call + "(" + v + ")"
	}
	var b strings.Builder
	b.WriteString("\n\t// A leaf: marshalled without field context or interceptors; gqlgen's\n\t// path below only for a value the marshaller refuses (internal/codegen/inorder).\n")
	if shape.ptr {
		fmt.Fprintf(&b, "\tif v := %s; v == nil {\n\t\treturn graphql.Null\n\t} else if res := %s; res != graphql.Null {\n\t\treturn res\n\t}\n", value, marshal(derefIf(shape.call, "v")))
	} else {
		fmt.Fprintf(&b, "\tif res := %s; res != graphql.Null {\n\t\treturn res\n\t}\n", marshal(value))
	}
	return b.String(), true
}

// derefIf is *v for a graphql.MarshalX call (which takes the value), v for
// an enum (whose pointer is a Marshaler too).
func derefIf(call, v string) string {
	if call == "" {
		return v
	}
	return "*" + v
}

// marshallerOf names the marshaller a ResolveField call's marshal argument
// calls: ec.marshalX, or func(ctx, selections, v) { return ec.marshalX(ctx, selections, v) }.
func marshallerOf(e ast.Expr) string {
	if s, ok := e.(*ast.SelectorExpr); ok && isIdent(s.X, "ec") {
		return s.Sel.Name
	}
	lit, ok := e.(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 1 {
		return ""
	}
	r, ok := lit.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(r.Results) != 1 {
		return ""
	}
	c, ok := r.Results[0].(*ast.CallExpr)
	if !ok || len(c.Args) != 3 || !isIdent(c.Args[2], "v") {
		return ""
	}
	if s, ok := c.Fun.(*ast.SelectorExpr); ok && isIdent(s.X, "ec") {
		return s.Sel.Name
	}
	return ""
}

// shapeOf recognises gqlgen's trivial marshallers:
//
//	[if v == nil { return graphql.Null }] [_ = sel] [_ = ctx] return v
//	[if v == nil { return graphql.Null }] [_ = sel] [_ = ctx] res := graphql.F(v or *v) [if res == graphql.Null { ... }] return res
//
// Anything else (a context marshaller, an object, a list, an error for
// nil) is not a leaf's.
func shapeOf(fn *ast.FuncDecl) (leafShape, bool) {
	var s leafShape
	list := fn.Body.List
	if len(list) > 0 {
		if ifs, ok := list[0].(*ast.IfStmt); ok {
			if ifs.Init != nil || ifs.Else != nil || !isBinary(ifs.Cond, "v", token.EQL, "nil") ||
				len(ifs.Body.List) != 1 || !returnsNull(ifs.Body.List[0]) {
				return s, false
			}
			s.ptr = true
			list = list[1:]
		}
	}
	for len(list) > 0 && isBlankAssign(list[0]) {
		list = list[1:]
	}
	if len(list) == 1 {
		r, ok := list[0].(*ast.ReturnStmt)
		return s, ok && len(r.Results) == 1 && isIdent(r.Results[0], "v")
	}
	if len(list) < 2 {
		return s, false
	}
	as, ok := list[0].(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || !isIdent(as.Lhs[0], "res") || len(as.Rhs) != 1 {
		return s, false
	}
	c, ok := as.Rhs[0].(*ast.CallExpr)
	if !ok || len(c.Args) != 1 {
		return s, false
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || !isIdent(sel.X, "graphql") || strings.Contains(sel.Sel.Name, "Context") {
		return s, false
	}
	arg := c.Args[0]
	if s.ptr {
		star, ok := arg.(*ast.StarExpr)
		if !ok {
			return s, false
		}
		arg = star.X
	}
	if !isIdent(arg, "v") {
		return s, false
	}
	s.call = sel.Sel.Name
	list = list[1:]
	if ifs, ok := list[0].(*ast.IfStmt); ok {
		if ifs.Init != nil || ifs.Else != nil || !isBinarySel(ifs.Cond, "res", "graphql", "Null") {
			return s, false
		}
		list = list[1:]
	}
	if len(list) != 1 {
		return s, false
	}
	r, ok := list[0].(*ast.ReturnStmt)
	return s, ok && len(r.Results) == 1 && isIdent(r.Results[0], "res")
}

// modelMembers names the types of dir's non-generated files (the models)
// that have a memberMethod: their fields keep gqlgen's path.
func modelMembers(root *os.Root) (map[string]bool, error) {
	out := map[string]bool{}
	err := fs.WalkDir(root.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, ".generated.go") {
			return nil
		}
		src, err := root.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Name.Name == memberMethod {
				out[typeName(fn.Recv.List[0].Type)] = true
			}
		}
		return nil
	})
	return out, err
}

// typeName is T of T, *T, pkg.T or *pkg.T.
func typeName(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func isSel(e ast.Expr, x, sel string) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && isIdent(s.X, x) && s.Sel.Name == sel
}

func isBinary(e ast.Expr, x string, op token.Token, y string) bool {
	b, ok := e.(*ast.BinaryExpr)
	return ok && b.Op == op && isIdent(b.X, x) && isIdent(b.Y, y)
}

func isBinarySel(e ast.Expr, x, pkg, sel string) bool {
	b, ok := e.(*ast.BinaryExpr)
	return ok && b.Op == token.EQL && isIdent(b.X, x) && isSel(b.Y, pkg, sel)
}

func returnsNull(s ast.Stmt) bool {
	r, ok := s.(*ast.ReturnStmt)
	return ok && len(r.Results) == 1 && isSel(r.Results[0], "graphql", "Null")
}

// isBlankAssign is `_ = sel` or `_ = ctx`.
func isBlankAssign(s ast.Stmt) bool {
	as, ok := s.(*ast.AssignStmt)
	return ok && as.Tok == token.ASSIGN && len(as.Lhs) == 1 && isIdent(as.Lhs[0], "_") &&
		len(as.Rhs) == 1 && slices.ContainsFunc([]string{"sel", "ctx"}, func(n string) bool { return isIdent(as.Rhs[0], n) })
}
