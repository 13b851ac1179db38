package shop

import (
	_ "embed"
	"errors"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

//go:embed schema.graphql
var schemaSDL string

// SDL returns the shop's GraphQL schema.
func SDL() string { return schemaSDL }

func loadSchema() (*ast.Schema, error) {
	return gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: schemaSDL})
}

// maxCached bounds the document cache; it is emptied when full.
const maxCached = 512

// docCache keeps parsed and validated documents by query text, so the hot
// path of a benchmark does not parse the same query again.
type docCache struct {
	schema *ast.Schema
	mu     sync.Mutex
	docs   map[string]cachedDoc
}

type cachedDoc struct {
	doc  *ast.QueryDocument
	errs gqlerror.List
}

// load parses and validates query against the schema.
func (c *docCache) load(query string) (*ast.QueryDocument, gqlerror.List) {
	c.mu.Lock()
	d, ok := c.docs[query]
	c.mu.Unlock()
	if ok {
		return d.doc, d.errs
	}
	doc, errs := gqlparser.LoadQueryWithRules(c.schema, query, nil)
	c.mu.Lock()
	if len(c.docs) >= maxCached {
		clear(c.docs)
	}
	c.docs[query] = cachedDoc{doc: doc, errs: errs}
	c.mu.Unlock()
	return doc, errs
}

// operation picks the operation to run.
func operation(doc *ast.QueryDocument, name string) (*ast.OperationDefinition, error) {
	if name == "" {
		if len(doc.Operations) != 1 {
			return nil, errors.New("operationName is required when the document has several operations")
		}
		return doc.Operations[0], nil
	}
	op := doc.Operations.ForName(name)
	if op == nil {
		return nil, errors.New("unknown operationName")
	}
	return op, nil
}
