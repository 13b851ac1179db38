package httpauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/httpauth"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		c   httpauth.Config
		key string // "" = valid
		why string
	}{
		{httpauth.Config{}, "", ""},
		{httpauth.Config{Type: "none"}, "", ""},
		{httpauth.Config{Type: "bearer", Token: "t"}, "", ""},
		{httpauth.Config{Type: "bearer"}, "auth.token", "required"},
		{httpauth.Config{Type: "api_key", Header: "X-Key", Key: "k"}, "", ""},
		{httpauth.Config{Type: "api_key", Query: "key", Key: "k"}, "", ""},
		{httpauth.Config{Type: "api_key", Key: "k"}, "auth.type", "exactly one"},
		{httpauth.Config{Type: "api_key", Header: "X", Query: "q", Key: "k"}, "auth.type", "exactly one"},
		{httpauth.Config{Type: "api_key", Header: "X Key", Key: "k"}, "auth.header", "header name"},
		{httpauth.Config{Type: "api_key", Header: "X"}, "auth.key", "required"},
		{httpauth.Config{Type: "basic", Username: "u", Password: "p"}, "", ""},
		{httpauth.Config{Type: "basic", Username: "u"}, "", ""},
		{httpauth.Config{Type: "basic", Password: "p"}, "auth.username", "required"},
		{httpauth.Config{Type: "basic", Username: "a:b"}, "auth.username", "':'"},
		{httpauth.Config{Type: "bearer", Token: "t", Key: "k"}, "auth.key", "not used by auth type bearer"},
		{httpauth.Config{Token: "t"}, "auth.token", "not used by auth type none"},
		{httpauth.Config{Type: "oauth2", TokenURL: "https://id.example/token", ClientID: "c", ClientSecret: "s"}, "", ""},
		{httpauth.Config{Type: "oauth2", ClientID: "c", ClientSecret: "s"}, "auth.token_url", "required"},
		{httpauth.Config{Type: "oauth2", TokenURL: "id.example/token", ClientID: "c", ClientSecret: "s"}, "auth.token_url", "http or https"},
		{httpauth.Config{Type: "oauth2", TokenURL: "https://id.example/token", ClientSecret: "s"}, "auth.client_id", "required"},
		{httpauth.Config{Type: "oauth2", TokenURL: "https://id.example/token", ClientID: "c"}, "auth.client_secret", "required"},
		{httpauth.Config{Type: "bearer", Token: "t", ClientID: "c"}, "auth.client_id", "not used by auth type bearer"},
		{httpauth.Config{Type: "digest"}, "auth.type", "unknown auth type"},
	} {
		t.Run(fmt.Sprintf("%s_%s", tc.c.Type, tc.key), func(t *testing.T) {
			err := tc.c.Validate()
			if tc.key == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ce *connectors.ConfigError
			if !errors.As(err, &ce) || ce.Key != tc.key || !strings.Contains(ce.Reason, tc.why) {
				t.Fatalf("Validate = %v; want key %s, reason containing %q", err, tc.key, tc.why)
			}
		})
	}
}

func TestApply(t *testing.T) {
	for _, tc := range []struct {
		c     httpauth.Config
		check func(r *http.Request) bool
	}{
		{httpauth.Config{}, func(r *http.Request) bool { return len(r.Header) == 0 && r.URL.RawQuery == "a=1" }},
		{httpauth.Config{Type: "bearer", Token: "T"}, func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer T" }},
		{httpauth.Config{Type: "api_key", Header: "x-api-key", Key: "K"}, func(r *http.Request) bool { return r.Header.Get("X-Api-Key") == "K" }},
		{httpauth.Config{Type: "api_key", Query: "key", Key: "K&x"}, func(r *http.Request) bool {
			return r.URL.Query().Get("key") == "K&x" && r.URL.Query().Get("a") == "1"
		}},
		{httpauth.Config{Type: "basic", Username: "u", Password: "p:w"}, func(r *http.Request) bool {
			u, p, ok := r.BasicAuth()
			return ok && u == "u" && p == "p:w"
		}},
	} {
		r, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://x/p?a=1", nil)
		tc.c.Apply(r)
		if !tc.check(r) {
			t.Errorf("%s: request %v %v", tc.c.Type, r.Header, r.URL)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"Wed, 01 May 2024 10:01:30 GMT", 90 * time.Second},
		{"Wed, 01 May 2024 09:59:00 GMT", 0},
		{"99999999", 24 * time.Hour},
	} {
		if got := httpauth.RetryAfter(tc.h, now); got != tc.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tc.h, got, tc.want)
		}
	}
}

func TestStatusCode(t *testing.T) {
	for status, want := range map[int]connectors.Code{
		400: connectors.CodeRejected, 401: connectors.CodeUnauthorized, 403: connectors.CodeUnauthorized,
		404: connectors.CodeRejected, 408: connectors.CodeTimeout, 409: connectors.CodeRejected,
		429: connectors.CodeRateLimited, 500: connectors.CodeUnavailable, 503: connectors.CodeUnavailable,
		504: connectors.CodeUnavailable, 302: connectors.CodeBadResponse,
	} {
		if got := httpauth.StatusCode(status); got != want {
			t.Errorf("StatusCode(%d) = %s, want %s", status, got, want)
		}
	}
}

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			_, _ = w.Write([]byte(`{"ok": true}`))
		case "/big":
			_, _ = w.Write([]byte(strings.Repeat("x", 100)))
		case "/declared": // says it is long, then never ends
			w.Header().Set("Content-Length", "1073741824")
			_, _ = w.Write([]byte(`{"padding": "`))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case "/short": // promises more than it sends
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte(`{"email": "bob@example.com"`))
		case "/slow":
			<-r.Context().Done()
		default:
			w.Header().Set("Retry-After", "4")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error": "customer bob@example.com over quota"}`))
		}
	}))
	defer srv.Close()
	get := func(ctx context.Context, path string, max int64) (int, []byte, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path+"?api_key=SECRET", nil)
		return httpauth.Do(ctx, srv.Client(), req, "GET "+path, max)
	}
	if status, body, err := get(context.Background(), "/ok", 0); err != nil || status != 200 || string(body) != `{"ok": true}` {
		t.Errorf("ok: %d %s %v", status, body, err)
	}
	if _, _, err := get(context.Background(), "/big", 64); connectors.CodeOf(err) != connectors.CodeBadResponse {
		t.Errorf("big: %v", err)
	}
	// A body said to be over the limit is refused at once, not read up to
	// it: the answer comes well before the deadline.
	declared, cancelDeclared := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelDeclared()
	if _, _, err := get(declared, "/declared", 64); connectors.CodeOf(err) != connectors.CodeBadResponse {
		t.Errorf("declared too long: %v", err)
	}
	if _, _, err := get(context.Background(), "/short", 0); connectors.CodeOf(err) != connectors.CodeUnavailable || strings.Contains(err.Error(), "bob") {
		t.Errorf("short: %v", err)
	}
	status, _, err := get(context.Background(), "/limited", 0)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Code != connectors.CodeRateLimited || ce.RetryAfter != 4*time.Second || status != 429 {
		t.Errorf("limited: %d %v", status, err)
	}
	if err.Error() != "UPSTREAM_RATE_LIMITED: GET /limited: status 429" {
		t.Errorf("error text %q", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := get(ctx, "/slow", 0); connectors.CodeOf(err) != connectors.CodeTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, _, err := get(ctx, "/ok", 0); connectors.CodeOf(err) != connectors.CodeUnavailable || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	srv.Close()
	_, _, err = get(context.Background(), "/ok", 0)
	if connectors.CodeOf(err) != connectors.CodeUnavailable || strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), srv.URL) {
		t.Errorf("refused: %v", err)
	}
}

// TestDoBuffered: the pooled body is the response's, of either length kind,
// and Release leaves nothing of it in the pooled memory.
func TestDoBuffered(t *testing.T) {
	big := strings.Repeat(`{"email": "bob@example.com"}`, 4000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/known":
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			_, _ = w.Write([]byte(big))
		case "/chunked":
			for i := 0; i < len(big); i += 1000 {
				_, _ = w.Write([]byte(big[i:min(i+1000, len(big))]))
				w.(http.Flusher).Flush()
			}
		case "/small":
			_, _ = w.Write([]byte(`{}`))
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	for _, path := range []string{"/known", "/chunked", "/small", "/known", "/fail", "/chunked"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+path, nil)
		status, _, buf, err := httpauth.DoBuffered(context.Background(), srv.Client(), req, "GET "+path, 0)
		if path == "/fail" {
			if err == nil || buf != nil || status != 500 {
				t.Fatalf("%s: %d %v", path, status, err)
			}
			continue
		}
		want := big
		if path == "/small" {
			want = `{}`
		}
		if err != nil || string(buf.Bytes()) != want {
			t.Fatalf("%s: %d bytes, %v", path, len(buf.Bytes()), err)
		}
		mem := buf.Bytes()[:cap(buf.Bytes())]
		buf.Release()
		for _, c := range mem {
			if c != 0 {
				t.Fatalf("%s: the released buffer still holds the body", path)
			}
		}
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/chunked", nil)
	if _, _, _, err := httpauth.DoBuffered(context.Background(), srv.Client(), req, "GET /chunked", 5000); connectors.CodeOf(err) != connectors.CodeBadResponse {
		t.Errorf("over the limit: %v", err)
	}
}
