// Package queries embeds the saved example operations of docs/queries: the
// playground preloads them and the tests validate them against the schema.
// Each NAME.graphql may have its variables in NAME.json.
package queries

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

// Files holds the saved operations, NAME.graphql and NAME.json.
//
//go:embed *.graphql *.json
var Files embed.FS

var files = Files

// Query is one saved operation.
type Query struct {
	Name      string // file name without extension
	Query     string
	Variables string // JSON object, or ""
}

// All returns the saved operations in file name order.
func All() []Query {
	names, _ := fs.Glob(files, "*.graphql")
	var out []Query
	for _, n := range names {
		q, _ := files.ReadFile(n)
		name := strings.TrimSuffix(n, path.Ext(n))
		vars, _ := files.ReadFile(name + ".json")
		out = append(out, Query{Name: name, Query: string(q), Variables: strings.TrimSpace(string(vars))})
	}
	return out
}
