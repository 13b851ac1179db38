package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/harmonyhq/harmony/graph"
	"github.com/harmonyhq/harmony/graph/model"
)

// root answers privacyRequest only; the other resolvers are nil.
type root struct {
	graph.ResolverRoot
	req *model.PrivacyRequest
}

func (r root) Query() graph.QueryResolver { return query{req: r.req} }

// query answers privacyRequest; the embedded nil interface stands for the
// other Query fields, which the executor never calls here.
type query struct {
	graph.QueryResolver
	req *model.PrivacyRequest
}

func (q query) PrivacyRequest(context.Context, string) (*model.PrivacyRequest, error) {
	return q.req, nil
}

// Leaf fields (a struct field of a scalar or enum type, no directive) take
// the fast path of internal/codegen/inorder: the answer and its errors are
// gqlgen's, field interceptors see only the other fields.
func TestLeafFields(t *testing.T) {
	done := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	full := model.PrivacyRequest{ID: "prq_1", Kind: model.PrivacyRequestKindExport, CustomerID: "cus_1",
		Status: model.PrivacyRequestStatusDone, RequestedAt: done.Add(-time.Hour), RequestedBy: "ops", CompletedAt: &done}
	pending := full
	pending.CompletedAt = nil
	zero := full
	zero.RequestedAt = time.Time{}
	const all = `{ privacyRequest(id: "prq_1") { id kind customerId status requestedAt requestedBy completedAt } }`
	for _, tc := range []struct {
		name  string
		query string
		req   model.PrivacyRequest
		data  string
		errs  string // the errors' paths and messages, "" for none
	}{
		// Objects are written by graph.objectFields: in selection order,
		// each alias once, __typename included.
		{name: "aliases", query: `{ privacyRequest(id: "prq_1") { a: id __typename id ... on PrivacyRequest { a: id by: requestedBy } kind } }`, req: full,
			data: `{"privacyRequest":{"a":"prq_1","__typename":"PrivacyRequest","id":"prq_1","by":"ops","kind":"EXPORT"}}`},
		{name: "every field", req: full,
			data: `{"privacyRequest":{"id":"prq_1","kind":"EXPORT","customerId":"cus_1","status":"DONE","requestedAt":"2026-03-04T04:06:07Z","requestedBy":"ops","completedAt":"2026-03-04T05:06:07Z"}}`},
		{name: "nil pointer is null", req: pending,
			data: `{"privacyRequest":{"id":"prq_1","kind":"EXPORT","customerId":"cus_1","status":"DONE","requestedAt":"2026-03-04T04:06:07Z","requestedBy":"ops","completedAt":null}}`},
		{name: "a value the marshaller refuses errs at its path", req: zero,
			data: `{"privacyRequest":null}`,
			errs: `privacyRequest.requestedAt: cannot return null for non-null field PrivacyRequest.requestedAt (DateTime!): the marshaler returned null for a non-nil value`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allow := func(ctx context.Context, _ any, next graphql.Resolver, _ string) (any, error) { return next(ctx) }
			srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: root{req: &tc.req},
				Directives: graph.DirectiveRoot{RequiresScope: allow}}))
			srv.AddTransport(transport.POST{})
			var mu sync.Mutex
			var intercepted []string
			srv.AroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
				fc := graphql.GetFieldContext(ctx)
				mu.Lock()
				intercepted = append(intercepted, fc.Object+"."+fc.Field.Name)
				mu.Unlock()
				return next(ctx)
			})
			var resp struct {
				Data   json.RawMessage
				Errors []struct {
					Message string
					Path    []any
				}
			}
			q := tc.query
			if q == "" {
				q = all
			}
			body, _ := json.Marshal(map[string]string{"query": q})
			r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if string(resp.Data) != tc.data {
				t.Errorf("data\n got %s\nwant %s", resp.Data, tc.data)
			}
			var errs []string
			for _, e := range resp.Errors {
				var path []string
				for _, p := range e.Path {
					path = append(path, p.(string))
				}
				errs = append(errs, strings.Join(path, ".")+": "+e.Message)
			}
			if got := strings.Join(errs, "\n"); !strings.Contains(got, tc.errs) || (tc.errs == "") != (got == "") {
				t.Errorf("errors\n got %q\nwant %q", got, tc.errs)
			}
			// The root field is a resolver: intercepted. Leaves are not,
			// but for one that gqlgen's path answered (the refused value).
			want := []string{"Query.privacyRequest"}
			if tc.errs != "" {
				want = append(want, "PrivacyRequest.requestedAt")
			}
			if strings.Join(intercepted, " ") != strings.Join(want, " ") {
				t.Errorf("intercepted %v, want %v", intercepted, want)
			}
		})
	}
}
