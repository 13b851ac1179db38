package connectors_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportedAPINamesNoYAMLType keeps the YAML library an implementation
// detail: no exported function, method, type or field of the SDK packages
// names one of its types, so the library can change without breaking an
// integrator's code.
func TestExportedAPINamesNoYAMLType(t *testing.T) {
	for _, dir := range []string{".", "connectortest"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			yamlName := ""
			for _, imp := range f.Imports {
				if strings.Contains(imp.Path.Value, "yaml") {
					yamlName = "yaml"
					if imp.Name != nil {
						yamlName = imp.Name.Name
					}
				}
			}
			if yamlName == "" {
				continue
			}
			for _, n := range exported(f) {
				ast.Inspect(n, func(x ast.Node) bool {
					if sel, ok := x.(*ast.SelectorExpr); ok {
						if id, ok := sel.X.(*ast.Ident); ok && id.Name == yamlName {
							t.Errorf("%s: exported API names %s.%s", fset.Position(sel.Pos()), yamlName, sel.Sel.Name)
						}
					}
					return true
				})
			}
		}
	}
}

// exported returns the parts of f's declarations an importer sees: the
// signatures of exported functions and of exported methods of exported
// types, and exported types with their exported fields.
func exported(f *ast.File) []ast.Node {
	var out []ast.Node
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			if d.Recv != nil && !ast.IsExported(recvName(d.Recv.List[0].Type)) {
				continue
			}
			out = append(out, d.Type)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					if st, ok := s.Type.(*ast.StructType); ok {
						for _, fl := range st.Fields.List {
							if len(fl.Names) == 0 || fl.Names[0].IsExported() {
								out = append(out, fl.Type)
							}
						}
						continue
					}
					out = append(out, s.Type)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && s.Type != nil {
							out = append(out, s.Type)
						}
					}
				}
			}
		}
	}
	return out
}

func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}
