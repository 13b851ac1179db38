package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/auth"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/server"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/resolvers"

	"github.com/harmonyhq/harmony/internal/testlog"
)

func TestAPIKeyGuardsGraphQL(t *testing.T) {
	const key = "hk_test_9c1f0e6a5b7d4c3e"
	sum := sha256.Sum256([]byte(key))
	a, err := auth.New(config.Auth{APIKeys: []config.APIKey{{ID: "storefront", SHA256: hex.EncodeToString(sum[:]), Role: "app"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t)
	set, _ := sources.NewSet()
	off := false
	var logs bytes.Buffer
	ts := httptest.NewServer(server.New(server.Options{
		Log:          slog.New(slog.NewJSONHandler(testlog.Tee(&logs), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Config:       config.Server{MaxBodyBytes: 4096, MaxDepth: 6, MaxComplexity: 500, Playground: &off},
		Resolvers:    &resolvers.Resolver{Store: st, Sources: set, Policy: identity.DefaultPolicy()},
		Loaders:      &loaders.Factory{Sources: set, Store: st},
		Ready:        func(context.Context) (bool, map[string]string) { return true, nil },
		Authenticate: a.Authenticate,
	}))
	defer ts.Close()

	tests := []struct {
		name    string
		headers []string
		status  int
		in      string
	}{
		{"no key", nil, http.StatusUnauthorized, `"code":"UNAUTHENTICATED"`},
		{"wrong key", []string{"X-API-Key", key + "0"}, http.StatusUnauthorized, `"code":"UNAUTHENTICATED"`},
		{"wrong bearer key", []string{"Authorization", "Bearer " + key[:10]}, http.StatusUnauthorized, `"code":"UNAUTHENTICATED"`},
		{"good key", []string{"X-API-Key", key}, http.StatusOK, `{"data":{"__typename":"Query"}}`},
		{"good bearer key", []string{"Authorization", "Bearer " + key}, http.StatusOK, `{"data":{"__typename":"Query"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
			req.Header.Set("Content-Type", "application/json")
			for i := 0; i+1 < len(tt.headers); i += 2 {
				req.Header.Set(tt.headers[i], tt.headers[i+1])
			}
			r := do(t, req)
			if r.status != tt.status || !strings.Contains(r.body, tt.in) {
				t.Fatalf("%d %s; want %d with %s", r.status, r.body, tt.status, tt.in)
			}
			if strings.Contains(r.body, key[:10]) {
				t.Fatalf("the answer echoes the key: %s", r.body)
			}
		})
	}
	if strings.Contains(logs.String(), key[:10]) {
		t.Fatalf("the logs hold the key: %s", logs.String())
	}
	resp, err := http.Get(ts.URL + "/healthz") //nolint:noctx // a probe in a test
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d without a key", resp.StatusCode)
	}
}
