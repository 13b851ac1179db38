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
	"github.com/vektah/gqlparser/v2/lexer"
)

// Error codes of the operation limits. Complexity's is gqlgen's own,
// COMPLEXITY_LIMIT_EXCEEDED.
const (
	codeDepth      = "DEPTH_LIMIT_EXCEEDED"
	codeAliases    = "ALIAS_LIMIT_EXCEEDED"
	codeRootFields = "ROOT_FIELD_LIMIT_EXCEEDED"
	codeTokens     = "TOKEN_LIMIT_EXCEEDED" //nolint:gosec // G101: an error code, not a credential
	codeBatch      = "BATCH_LIMIT_EXCEEDED"
)

// operationLimits refuses operations whose selections nest deeper than
// depth, that hold more than aliases aliased fields (each fragment counted
// wherever it is spread), or more than rootFields top-level fields.
// Introspection fields add no depth: introspection has its own switch.
// The walk visits each fragment once, so fragments spread many times cost
// no more to check than to read.
type operationLimits struct{ depth, aliases, rootFields int }

var (
	_ graphql.HandlerExtension        = operationLimits{}
	_ graphql.OperationContextMutator = operationLimits{}
)

func (operationLimits) ExtensionName() string                   { return "OperationLimits" }
func (operationLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (l operationLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := shapeWalker{memo: map[string]shape{}}
	s := w.set(oc.Operation.SelectionSet)
	switch {
	case s.depth > l.depth:
		return codedError(codeDepth, fmt.Sprintf("operation is nested %d levels deep, more than the limit of %d", s.depth, l.depth))
	case s.aliases > l.aliases:
		return codedError(codeAliases, fmt.Sprintf("operation has %s aliased fields, more than the limit of %d", count(s.aliases), l.aliases))
	}
	if n := rootFields(oc.Operation.SelectionSet, map[string]bool{}, map[string]bool{}); n > l.rootFields {
		return codedError(codeRootFields, fmt.Sprintf("operation has %d top-level fields, more than the limit of %d", n, l.rootFields))
	}
	return nil
}

// shape is what the limits measure of a selection set, fragments expanded.
type shape struct{ depth, aliases int }

// saturated caps counts, which fragments can multiply.
const saturated = 1 << 30

func count(n int) string {
	if n >= saturated {
		return "more than a billion"
	}
	return fmt.Sprint(n)
}

type shapeWalker struct {
	memo map[string]shape
}

func (w *shapeWalker) set(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		var s shape
		switch x := sel.(type) {
		case *ast.Field:
			child := w.set(x.SelectionSet)
			s = shape{depth: 1 + child.depth, aliases: child.aliases}
			if x.Name == "__schema" || x.Name == "__type" {
				s.depth = 0
			}
			if x.Alias != "" && x.Alias != x.Name {
				s.aliases = min(s.aliases+1, saturated)
			}
		case *ast.InlineFragment:
			s = w.set(x.SelectionSet)
		case *ast.FragmentSpread:
			s = w.fragment(x)
		}
		out.depth = max(out.depth, s.depth)
		out.aliases = min(out.aliases+s.aliases, saturated)
	}
	return out
}

func (w *shapeWalker) fragment(sp *ast.FragmentSpread) shape {
	if sp.Definition == nil {
		return shape{}
	}
	if s, ok := w.memo[sp.Name]; ok {
		return s
	}
	// Validation refuses cycles before this runs; the placeholder keeps a
	// cycle from recursing forever all the same.
	w.memo[sp.Name] = shape{}
	s := w.set(sp.Definition.SelectionSet)
	w.memo[sp.Name] = s
	return s
}

// rootFields counts the distinct response keys of the top level (fields of
// one key are merged into one), through fragments.
func rootFields(set ast.SelectionSet, keys, seen map[string]bool) int {
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			keys[x.Alias] = true
		case *ast.InlineFragment:
			rootFields(x.SelectionSet, keys, seen)
		case *ast.FragmentSpread:
			if x.Definition != nil && !seen[x.Name] {
				seen[x.Name] = true
				rootFields(x.Definition.SelectionSet, keys, seen)
			}
		}
	}
	return len(keys)
}

// preParseLimits refuses, before the parser sees it, a query of more than
// tokens lexer tokens, or whose operations nest their selection sets
// deeper than depth as written. The written depth leaves out fragment
// definitions and introspection, so it never exceeds what
// operationLimits measures after validation; it answers deep garbage with
// DEPTH_LIMIT_EXCEEDED rather than a validation error, and keeps the parser
// and validator from deep recursion. It runs before persisted queries, so
// a refused query is never cached either.
type preParseLimits struct{ tokens, depth int }

var (
	_ graphql.HandlerExtension          = preParseLimits{}
	_ graphql.OperationParameterMutator = preParseLimits{}
)

func (preParseLimits) ExtensionName() string                   { return "PreParseLimits" }
func (preParseLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (l preParseLimits) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	tokens, depth := scanQuery(p.Query, l.tokens)
	switch {
	case tokens > l.tokens:
		return codedError(codeTokens, fmt.Sprintf("query has more than %d tokens", l.tokens))
	case depth > l.depth:
		return codedError(codeDepth, fmt.Sprintf("operation is nested %d levels deep, more than the limit of %d", depth, l.depth))
	}
	return nil
}

// Kinds of an open brace, for scanQuery.
const (
	braceSelection = iota // a field's or operation's selection set: one level
	braceInline           // an inline fragment: no level
	braceSkipped          // a fragment definition or introspection: not counted
)

// scanQuery lexes query, up to maxTokens+1 tokens, and returns how many it
// read and the deepest selection set of its operations as written (see
// preParseLimits). A lexing error ends the scan: the parser reports it.
func scanQuery(query string, maxTokens int) (tokens, depth int) {
	lx := lexer.New(&ast.Source{Input: query})
	var (
		stack    []int
		levels   int  // braceSelection entries in stack
		skipped  int  // braceSkipped entries in stack
		parens   int  // inside arguments or variable definitions
		spread   bool // the previous token was "..."
		inline   bool // an inline fragment's brace comes next
		fragment bool // a fragment definition's brace comes next
		directve bool // the previous token was "@"
		field    string
	)
	for tokens <= maxTokens {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break
		}
		tokens++
		if tok.Kind == lexer.Comment {
			continue
		}
		wasSpread, wasAt := spread, directve
		spread, directve = false, false
		switch tok.Kind {
		case lexer.ParenL:
			parens++
		case lexer.ParenR:
			parens = max(parens-1, 0)
		}
		if parens > 0 || tok.Kind == lexer.ParenR {
			continue
		}
		switch tok.Kind {
		case lexer.Spread:
			spread = true
		case lexer.At:
			directve = true
			if wasSpread {
				inline = true
			}
		case lexer.Name:
			switch {
			case wasSpread:
				inline = tok.Value == "on"
			case wasAt:
			case len(stack) == 0 && tok.Value == "fragment":
				fragment = true
			default:
				field = tok.Value
			}
		case lexer.BraceL:
			kind := braceSelection
			switch {
			case wasSpread || inline:
				kind = braceInline
			case len(stack) == 0 && fragment, field == "__schema" || field == "__type":
				kind = braceSkipped
			}
			inline, fragment, field = false, false, ""
			stack = append(stack, kind)
			switch kind {
			case braceSelection:
				levels++
				if skipped == 0 {
					depth = max(depth, levels)
				}
			case braceSkipped:
				skipped++
			}
		case lexer.BraceR:
			if n := len(stack); n > 0 {
				switch stack[n-1] {
				case braceSelection:
					levels--
				case braceSkipped:
					skipped--
				}
				stack = stack[:n-1]
			}
			field = ""
		}
	}
	return tokens, depth
}

// preflightHeaders are headers a browser only sends after a CORS preflight.
var preflightHeaders = []string{"X-Requested-With", "Apollo-Require-Preflight", "GraphQL-Require-Preflight", "X-Harmony-Client"}

// batchKey carries the operations of a batched POST.
type batchKey struct{}

// batchFrom returns the operations of a batched request, nil for one
// operation.
func batchFrom(ctx context.Context) []json.RawMessage {
	ops, _ := ctx.Value(batchKey{}).([]json.RawMessage)
	return ops
}

// guardRequests protects /graphql before gqlgen sees a request:
//   - a POST body larger than maxBody gets 413, a body that is not JSON
//     gets 400, and one not received in time (see bodyDeadline) 408, all
//     without repeating the body;
//   - a JSON array of operations (a batch) of more than maxBatch, or of
//     none, gets 400; a smaller one is carried in the context for
//     serveBatch;
//   - a GET (not a websocket upgrade) must carry a header that forces a CORS
//     preflight, so another site cannot make a browser run a query with the
//     user's cookies (gqlgen's GET transport already refuses mutations).
func guardRequests(maxBody int64, maxBatch int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			if r.ContentLength > maxBody {
				writeError(w, http.StatusRequestEntityTooLarge, "", "request body too large")
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					writeError(w, http.StatusRequestEntityTooLarge, "", "request body too large")
					return
				}
				if isReadTimeout(err) {
					w.Header().Set("Connection", "close")
					writeError(w, http.StatusRequestTimeout, "", "request body not received in time")
					return
				}
				writeError(w, http.StatusBadRequest, "", "could not read the request body")
				return
			}
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
				if !json.Valid(body) {
					writeError(w, http.StatusBadRequest, "", "request body is not valid JSON")
					return
				}
				if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
					var ops []json.RawMessage
					if err := json.Unmarshal(body, &ops); err != nil || len(ops) == 0 {
						writeError(w, http.StatusBadRequest, codeBatch, "a batch must be a JSON array of at least one operation")
						return
					}
					if len(ops) > maxBatch {
						writeError(w, http.StatusBadRequest, codeBatch, fmt.Sprintf("a batch may hold at most %d operations", maxBatch))
						return
					}
					r = r.WithContext(context.WithValue(r.Context(), batchKey{}, ops))
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		case http.MethodGet:
			if r.Header.Get("Upgrade") == "" && !hasPreflightHeader(r) {
				writeError(w, http.StatusBadRequest, "", fmt.Sprintf("GET requests must carry one of the headers %v (CSRF protection); use POST otherwise", preflightHeaders))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// serveBatch runs each operation of a batched POST through next as a
// request of its own, one after the other (limits, persisted queries and
// per-operation loaders apply to each; the caller and its rate-limit charge
// are the batch's), and answers the JSON array of their answers, in order.
// A request that is not a batch goes to next unchanged.
func serveBatch(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ops := batchFrom(r.Context())
		if ops == nil {
			next.ServeHTTP(w, r)
			return
		}
		ctx := context.WithValue(r.Context(), batchKey{}, nil)
		var out bytes.Buffer
		out.WriteByte('[')
		contentType := ""
		for i, op := range ops {
			if ctx.Err() != nil {
				return // the client is gone
			}
			sub := r.Clone(ctx)
			sub.Body = io.NopCloser(bytes.NewReader(op))
			sub.ContentLength = int64(len(op))
			rec := &bufferWriter{header: http.Header{}}
			next.ServeHTTP(rec, sub)
			if i > 0 {
				out.WriteByte(',')
			}
			if body := bytes.TrimSpace(rec.body.Bytes()); json.Valid(body) && len(body) > 0 {
				out.Write(body)
			} else {
				out.WriteString(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
			}
			if contentType == "" {
				contentType = rec.header.Get("Content-Type")
			}
		}
		out.WriteByte(']')
		if contentType == "" {
			contentType = "application/json"
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out.Bytes())
	})
}

// bufferWriter collects one operation's answer within a batch.
type bufferWriter struct {
	header http.Header
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferWriter) WriteHeader(int)             {}

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
// GraphQL response shape, with extensions.code when code is not empty.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	e := map[string]any{"message": msg}
	if code != "" {
		e["extensions"] = map[string]any{"code": code}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{e}})
}
