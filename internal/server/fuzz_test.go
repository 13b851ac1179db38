package server_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/server"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/resolvers"

	"github.com/harmonyhq/harmony/internal/testlog"
)

// fuzzMarker stands for personal data in a request. It cannot be a GraphQL
// name, so an answer holding it repeats a value.
const fuzzMarker = "victim@example.com"

// FuzzQueryPath sends arbitrary requests through the whole /graphql
// handler over the real schema, resolvers and (embedded) profile store:
// body as a raw POST body, and query as a POST and as a GET, both with the
// marker in variables. Whatever they hold, the handler never panics, never
// answers 5xx, always answers JSON, and neither its errors nor its logs
// repeat the marker.
//
//	go test -run '^$' -fuzz '^FuzzQueryPath$' -fuzztime 30s ./internal/server
func FuzzQueryPath(f *testing.F) {
	st := storetest.Open(f)
	set, _ := sources.NewSet()
	var logs lockedBuffer
	h := server.New(server.Options{
		Log: slog.New(slog.NewJSONHandler(testlog.Tee(&logs), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Config: config.Server{MaxBodyBytes: 64 << 10, MaxDepth: 8, MaxComplexity: 1000,
			Playground: new(bool), MaxBatchOperations: 4},
		Resolvers: &resolvers.Resolver{Store: st, Sources: set, Policy: identity.DefaultPolicy()},
		Loaders:   &loaders.Factory{Sources: set, Store: st},
	})
	f.Fuzz(func(t *testing.T, body, query string) {
		logs.mu.Lock()
		logs.b.Reset()
		logs.mu.Unlock()
		vars := map[string]any{"email": fuzzMarker, "v": fuzzMarker, "id": fuzzMarker}
		structured, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		varsJSON, _ := json.Marshal(vars)

		requests := []*http.Request{
			httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/graphql", strings.NewReader(body)),
			httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/graphql", bytes.NewReader(structured)),
			httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/graphql?"+url.Values{"query": {query}, "variables": {string(varsJSON)}}.Encode(), nil),
		}
		requests[0].Header.Set("Content-Type", "application/json")
		requests[1].Header.Set("Content-Type", "application/json")
		requests[2].Header.Set("X-Requested-With", "fuzz")
		for i, req := range requests {
			req.Host = "127.0.0.1" // open mode answers loopback hosts only
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			out := rec.Body.Bytes()
			if rec.Code >= 500 {
				t.Fatalf("request %d: status %d: %s", i, rec.Code, out)
			}
			var answer any
			if err := json.Unmarshal(out, &answer); err != nil {
				t.Fatalf("request %d: status %d, not JSON (%v): %q", i, rec.Code, err, out)
			}
			if errs := errorsOf(answer); strings.Contains(errs, fuzzMarker) {
				t.Fatalf("request %d: the errors repeat the marker: %s", i, errs)
			}
		}
		if strings.Contains(logs.String(), fuzzMarker) {
			t.Fatalf("the logs hold the marker: %s", logs.String())
		}
	})
}

// errorsOf returns the errors and extensions of an answer (or of each
// answer of a batch) as JSON: what the server writes itself. Data may
// rightly repeat a variable (a saved segment's name).
func errorsOf(answer any) string {
	var parts []any
	var collect func(a any)
	collect = func(a any) {
		switch v := a.(type) {
		case []any:
			for _, e := range v {
				collect(e)
			}
		case map[string]any:
			parts = append(parts, v["errors"], v["extensions"])
		}
	}
	collect(answer)
	b, _ := json.Marshal(parts)
	return string(b)
}
