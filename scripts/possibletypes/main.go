// Command possibletypes prints, as JSON, the possibleTypes map that Apollo
// Client's InMemoryCache needs to match fragments on the schema's
// interfaces and unions: each abstract type with the object types that
// implement it, sorted. It reads graph/schema/*.graphqls, or the files
// named as arguments.
//
//	go run ./scripts/possibletypes > docs/clients/possibleTypes.json   (make client-types)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "possibletypes:", err)
		os.Exit(1)
	}
}

func run(files []string) error {
	if len(files) == 0 {
		var err error
		if files, err = filepath.Glob(filepath.Join("graph", "schema", "*.graphqls")); err != nil {
			return err
		}
		if len(files) == 0 {
			return fmt.Errorf("no graph/schema/*.graphqls here: run it from the repository's root")
		}
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f) //nolint:gosec // G304: the schema files the caller names
		if err != nil {
			return err
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		return err
	}
	out := PossibleTypes(schema)
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Printf("%s\n", b)
	return err
}

// PossibleTypes maps each interface and union to its object types.
func PossibleTypes(schema *ast.Schema) map[string][]string {
	out := map[string][]string{}
	for name, def := range schema.Types {
		if def.BuiltIn || (def.Kind != ast.Interface && def.Kind != ast.Union) {
			continue
		}
		var types []string
		for _, impl := range schema.GetPossibleTypes(def) {
			types = append(types, impl.Name)
		}
		slices.Sort(types)
		out[name] = types
	}
	return out
}
