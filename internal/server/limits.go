package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit refuses operations whose selections nest deeper than max.
// Introspection fields do not count: introspection has its own switch.
type depthLimit struct{ max int }

var (
	_ graphql.HandlerExtension        = depthLimit{}
	_ graphql.OperationContextMutator = depthLimit{}
)

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, 0, d.max); depth > d.max {
		err := gqlerror.Errorf("operation is nested %d levels deep, more than the limit of %d", depth, d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// selectionDepth returns the depth of set, stopping once past limit.
func selectionDepth(set ast.SelectionSet, depth, limit int) int {
	if depth > limit {
		return depth
	}
	deepest := depth
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				continue
			}
			d = depth + 1
			if len(s.SelectionSet) > 0 {
				d = selectionDepth(s.SelectionSet, depth+1, limit)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, depth, limit)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet, depth, limit)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// preflightHeaders are headers a browser only sends after a CORS preflight.
var preflightHeaders = []string{"X-Requested-With", "Apollo-Require-Preflight", "GraphQL-Require-Preflight", "X-Harmony-Client"}

// guardRequests protects /graphql before gqlgen sees a request:
//   - a POST body larger than maxBody gets 413, and a body that is not JSON
//     gets 400, both without repeating the body;
//   - a GET (not a websocket upgrade) must carry a header that forces a CORS
//     preflight, so another site cannot make a browser run a query with the
//     user's cookies (gqlgen's GET transport already refuses mutations).
func guardRequests(maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			if r.ContentLength > maxBody {
				writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
					return
				}
				writeError(w, http.StatusBadRequest, "could not read the request body")
				return
			}
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" && !json.Valid(body) {
				writeError(w, http.StatusBadRequest, "request body is not valid JSON")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		case http.MethodGet:
			if r.Header.Get("Upgrade") == "" && !hasPreflightHeader(r) {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("GET requests must carry one of the headers %v (CSRF protection); use POST otherwise", preflightHeaders))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func hasPreflightHeader(r *http.Request) bool {
	for _, h := range preflightHeaders {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

// writeError answers a request refused before GraphQL execution, in the
// GraphQL response shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg}}})
}
