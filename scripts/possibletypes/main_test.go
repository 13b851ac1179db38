package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// docs/clients/possibleTypes.json is what the schema gives: run make
// client-types (or make generate) after changing an interface or union.
func TestPossibleTypesUpToDate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "graph", "schema", "*.graphqls"))
	if err != nil || len(files) == 0 {
		t.Fatalf("schema files: %v", err)
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.MarshalIndent(PossibleTypes(schema), "", "  ")
	got, err := os.ReadFile(filepath.Join("..", "..", "docs", "clients", "possibleTypes.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), want) {
		t.Fatalf("docs/clients/possibleTypes.json is stale: run make client-types\nwant %s", want)
	}
	if len(PossibleTypes(schema)["TimelinePayload"]) != 2 {
		t.Error("TimelinePayload should list Order and Interaction")
	}
}
