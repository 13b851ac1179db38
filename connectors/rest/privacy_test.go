package rest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

// privacyVendor holds contacts 1 and 2 and erases them on request.
type privacyVendor struct {
	srv    *httptest.Server
	mu     sync.Mutex
	erased map[string]bool
}

func newPrivacyVendor(t *testing.T) *privacyVendor {
	v := &privacyVendor{erased: map[string]bool{}}
	known := func(id string) bool { return (id == "1" || id == "2") && !v.erased[id] }
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.mu.Lock()
		defer v.mu.Unlock()
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/gdpr-delete":
			var body struct{ ObjectID string }
			_ = json.NewDecoder(r.Body).Decode(&body)
			if !known(body.ObjectID) {
				http.Error(w, `{}`, http.StatusNotFound)
				return
			}
			v.erased[body.ObjectID] = true
			w.WriteHeader(http.StatusNoContent)
		case r.Method == http.MethodDelete && r.URL.Path == "/users/destroy_many":
			for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
				v.erased[id] = true
			}
			_, _ = w.Write([]byte(`{"job_status":{"status":"completed"}}`))
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/contacts/"):
			id := strings.TrimPrefix(r.URL.Path, "/contacts/")
			if !known(id) {
				http.Error(w, `{}`, http.StatusNotFound)
				return
			}
			_, _ = w.Write([]byte(`{"id":"` + id + `","properties":{"email":"x` + id + `@example.com"}}`))
		case r.Method == http.MethodGet && r.URL.Path == "/users/show_many":
			var users []string
			for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
				if known(id) {
					users = append(users, `{"id":`+id+`,"name":"n`+id+`"}`)
				}
			}
			_, _ = w.Write([]byte(`{"users":[` + strings.Join(users, ",") + `]}`))
		default:
			http.Error(w, `{}`, http.StatusBadRequest)
		}
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func TestEraseAndExportEndpoints(t *testing.T) {
	tests := []struct {
		name       string
		cfg        string
		keys       []string
		wantFound  []bool
		wantExport []string // substring of each document, "" for nil
	}{
		{"per key erase and export: 404 is not found", `
erase: { method: POST, path: /gdpr-delete, per_key: true, body: '{"objectId": {{json .Key}}}' }
export: { path: '/contacts/{{.Key}}', per_key: true }`,
			[]string{"1", "9"}, []bool{true, false}, []string{`"id":"1"`, ""}},
		{"batch erase and export matched by key", `
erase: { method: DELETE, path: /users/destroy_many, query: { ids: '{{join .Keys ","}}' } }
export: { path: /users/show_many, query: { ids: '{{join .Keys ","}}' }, records: $.users, key: $.id }`,
			[]string{"2", "1", "7"}, []bool{true, true, true}, []string{`"name":"n2"`, `"name":"n1"`, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newPrivacyVendor(t)
			c := connectortest.Build(t, "rest", "base_url: "+v.srv.URL+tt.cfg, connectors.Env{})
			caps := connectors.Capabilities(c)
			if !slices.Contains(caps, connectors.CapErase) || !slices.Contains(caps, connectors.CapExport) {
				t.Fatalf("capabilities = %v", caps)
			}
			ctx := context.Background()
			docs, err := c.(connectors.Exporter).Export(ctx, tt.keys)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.wantExport {
				if (want == "") != (docs[i] == nil) || !strings.Contains(string(docs[i]), want) {
					t.Errorf("export[%d] = %s, want %q", i, docs[i], want)
				}
			}
			res, err := c.(connectors.Eraser).Erase(ctx, tt.keys)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.wantFound {
				if res[i].Found != want {
					t.Errorf("erase[%d].Found = %v, want %v", i, res[i].Found, want)
				}
			}
			// Erased records are gone from the export too.
			docs, err = c.(connectors.Exporter).Export(ctx, tt.keys)
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range docs {
				if d != nil {
					t.Errorf("export[%d] after erasure = %s", i, d)
				}
			}
		})
	}
}

func TestEraseConfigErrors(t *testing.T) {
	tests := []struct {
		name, cfg, key string
	}{
		{"DELETE only for erase", "export: { method: DELETE, path: '/c/{{.Key}}', per_key: true }", "export.method"},
		{"batch export needs a key", "export: { path: /c, query: { ids: '{{join .Keys \",\"}}' }, records: $.users }", "export.key"},
		{"batch erase must use the keys", "erase: { method: POST, path: /erase }", "erase.path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := connectortest.TryBuild("rest", "base_url: http://127.0.0.1:1\n"+tt.cfg, connectors.Env{})
			var ce *connectors.ConfigError
			ok := errors.As(err, &ce)
			if !ok || ce.Key != tt.key {
				t.Fatalf("error = %v, want one on %s", err, tt.key)
			}
		})
	}
}
