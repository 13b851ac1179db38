package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Cache hints (the schema's @cacheControl): a GET query's answer gets
// "Cache-Control: private, max-age=N", N the smallest maxAge among the
// fields it selects; every other answer of /graphql over GET gets
// "no-store". POST answers are left alone (HTTP caches do not keep them).
// Never public: the answers hold personal data.

// cacheHint is where the operation's hint goes, for the response header.
type cacheHint struct {
	mu     sync.Mutex
	set    bool
	maxAge int
}

type cacheHintKey struct{}

// withCacheControl sets Cache-Control on the answers of GET /graphql from
// the hint the operation leaves (cacheHints).
func withCacheControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || isWebsocketUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		h := &cacheHint{}
		hw := &hintWriter{ResponseWriter: w, hint: h}
		next.ServeHTTP(hw, r.WithContext(context.WithValue(r.Context(), cacheHintKey{}, h)))
	})
}

// hintWriter writes Cache-Control before the status.
type hintWriter struct {
	http.ResponseWriter
	hint    *cacheHint
	written bool
}

func (w *hintWriter) header(code int) {
	if w.written {
		return
	}
	w.written = true
	w.hint.mu.Lock()
	set, age := w.hint.set, w.hint.maxAge
	w.hint.mu.Unlock()
	if set && age > 0 && code == http.StatusOK {
		w.Header().Set("Cache-Control", "private, max-age="+strconv.Itoa(age))
		w.Header().Add("Vary", "Authorization, X-API-Key")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
}

func (w *hintWriter) WriteHeader(code int) {
	w.header(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *hintWriter) Write(b []byte) (int, error) {
	w.header(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *hintWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// cacheHints computes the hint of a GET query (only those carry a
// cacheHint) from the schema's @cacheControl directives, and records it
// when the answer has no error.
type cacheHints struct{ schema *ast.Schema }

var (
	_ graphql.HandlerExtension     = (*cacheHints)(nil)
	_ graphql.OperationInterceptor = (*cacheHints)(nil)
)

func (*cacheHints) ExtensionName() string { return "CacheControl" }

func (c *cacheHints) Validate(es graphql.ExecutableSchema) error {
	c.schema = es.Schema()
	return nil
}

func (c *cacheHints) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	h, _ := ctx.Value(cacheHintKey{}).(*cacheHint)
	oc := graphql.GetOperationContext(ctx)
	if h == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	age := c.maxAge(oc.Operation.SelectionSet)
	respond := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := respond(ctx)
		if resp != nil && len(resp.Errors) == 0 && age > 0 {
			h.mu.Lock()
			h.set, h.maxAge = true, age
			h.mu.Unlock()
		}
		return resp
	}
}

// noHint marks a selection without any hint: it inherits its parent's.
const noHint = -1

// maxAge is the smallest hint of the selection of a query, a top-level
// field without one counting as 0.
func (c *cacheHints) maxAge(set ast.SelectionSet) int {
	w := hintWalker{schema: c.schema, seen: map[string]bool{}}
	return max(w.set(set, true), 0)
}

type hintWalker struct {
	schema *ast.Schema
	seen   map[string]bool // fragments already walked
}

// set returns the smallest hint in set, noHint when none.
func (w *hintWalker) set(set ast.SelectionSet, root bool) int {
	least := noHint
	take := func(age int) {
		if age != noHint && (least == noHint || age < least) {
			least = age
		}
	}
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			if x.Definition == nil || x.Name == "__typename" {
				continue
			}
			age := w.fieldHint(x.Definition)
			if age == noHint && root {
				age = 0
			}
			take(age)
			take(w.set(x.SelectionSet, false))
		case *ast.InlineFragment:
			take(w.set(x.SelectionSet, root))
		case *ast.FragmentSpread:
			if x.Definition != nil && !w.seen[x.Name] {
				w.seen[x.Name] = true
				take(w.set(x.Definition.SelectionSet, root))
			}
		}
	}
	return least
}

// fieldHint is a field's own hint, else that of the type it returns.
func (w *hintWalker) fieldHint(f *ast.FieldDefinition) int {
	if age, ok := directiveAge(f.Directives); ok {
		return age
	}
	if w.schema != nil && f.Type != nil {
		if t := w.schema.Types[f.Type.Name()]; t != nil {
			if age, ok := directiveAge(t.Directives); ok {
				return age
			}
		}
	}
	return noHint
}

func directiveAge(ds ast.DirectiveList) (int, bool) {
	d := ds.ForName("cacheControl")
	if d == nil {
		return 0, false
	}
	arg := d.Arguments.ForName("maxAge")
	if arg == nil || arg.Value == nil {
		return 0, false
	}
	n, err := strconv.Atoi(arg.Value.Raw)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
