package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/overload"
)

// TestShedOverloaded: a request whose work was shed is answered 503 with
// Retry-After and an OVERLOADED error, never the partial answer; the others
// pass untouched.
func TestShedOverloaded(t *testing.T) {
	partial := `{"data":{"customer":null},"errors":[{"message":"the gateway is overloaded: retry later"}]}`
	tests := []struct {
		name       string
		shed       time.Duration // 0: not shed
		header     http.Header
		wantStatus int
		wantRetry  string
	}{
		{"shed", 2 * time.Second, nil, http.StatusServiceUnavailable, "2"},
		{"shed under a second asks for one", 300 * time.Millisecond, nil, http.StatusServiceUnavailable, "1"},
		{"not shed", 0, nil, http.StatusOK, ""},
		{"server-sent events carry the error in the stream", 2 * time.Second, http.Header{"Accept": {"text/event-stream"}}, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := shedOverloaded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.shed > 0 {
					_ = overload.Shed(r.Context(), tt.shed)
				}
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "87")
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write([]byte(partial))
			}))
			req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ x }"}`))
			for k, v := range tt.header {
				req.Header[k] = v
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || rec.Header().Get("Retry-After") != tt.wantRetry {
				t.Fatalf("status %d Retry-After %q, want %d %q", rec.Code, rec.Header().Get("Retry-After"), tt.wantStatus, tt.wantRetry)
			}
			if tt.wantStatus != http.StatusServiceUnavailable {
				if rec.Body.String() != partial {
					t.Errorf("body = %s", rec.Body)
				}
				return
			}
			var body struct {
				Data   any
				Errors []struct {
					Message    string
					Extensions map[string]any
				}
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if body.Data != nil || len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != codeOverloaded {
				t.Errorf("body = %s, want one OVERLOADED error and no data", rec.Body)
			}
			if rec.Header().Get("Content-Length") != "" || rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("headers = %v", rec.Header())
			}
		})
	}
}
