package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/harmonyhq/harmony/internal/auth"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/ratelimit"
	"github.com/harmonyhq/harmony/internal/server"
	"github.com/harmonyhq/harmony/internal/testenv"

	"github.com/harmonyhq/harmony/internal/testlog"
)

const (
	keyStorefront = "hk_test_storefront_7d1e0c9a"
	keyAgent      = "hk_test_agent_5b2f8e4d6a31"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newAuthServer serves with two API keys, logging at level into logs.
func newAuthServer(t *testing.T, level slog.Level, logs *lockedBuffer, mutate func(*config.Server)) string {
	t.Helper()
	hash := func(k string) string { s := sha256.Sum256([]byte(k)); return hex.EncodeToString(s[:]) }
	a, err := auth.New(config.Auth{APIKeys: []config.APIKey{
		{ID: "storefront", SHA256: hash(keyStorefront), Role: "app"},
		{ID: "agent", SHA256: hash(keyAgent), Role: "agent"},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return newServerWith(t, mutate, func(o *server.Options) {
		o.Authenticate = a.Authenticate
		o.Log = slog.New(slog.NewJSONHandler(testlog.Tee(logs), &slog.HandlerOptions{Level: level}))
	}).URL
}

func TestUnauthenticatedReasonIsLoggedAtDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		t.Run(level.String(), func(t *testing.T) {
			var logs lockedBuffer
			url := newAuthServer(t, level, &logs, nil)
			for _, h := range [][]string{{"X-API-Key", keyStorefront + "x"}, {"Authorization", "Bearer " + keyAgent[:12]}, nil} {
				if got := postTo(t, url, `{"query":"{ __typename }"}`, h...); got.status != http.StatusUnauthorized {
					t.Fatalf("%v: %d %s", h, got.status, got.body)
				}
			}
			out := logs.String()
			if strings.Contains(out, keyStorefront[:12]) || strings.Contains(out, keyAgent[:12]) {
				t.Fatalf("the logs hold a key: %s", out)
			}
			lines := strings.Count(out, `"msg":"request unauthenticated"`)
			if level == slog.LevelDebug && (lines != 3 || !strings.Contains(out, `"reason":"invalid credential: unknown api key"`) ||
				!strings.Contains(out, `"reason":"no credential"`)) {
				t.Fatalf("want three debug lines with reasons: %s", out)
			}
			if level == slog.LevelInfo && lines != 0 {
				t.Fatalf("reasons logged above debug: %s", out)
			}
		})
	}
}

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsDial opens a graphql-transport-ws socket with headers given as name,
// value pairs.
func wsDial(ctx context.Context, t *testing.T, url string, headers ...string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/graphql", &websocket.DialOptions{ //nolint:bodyclose // Dial closes the response body itself
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: h,
	})
}

func TestWebsocketAuthentication(t *testing.T) {
	var logs lockedBuffer
	url := newAuthServer(t, slog.LevelDebug, &logs, nil)
	tests := []struct {
		name      string
		headers   []string
		payload   map[string]any
		wantClose websocket.StatusCode // 0: acknowledged
	}{
		{"no credential anywhere", nil, nil, 4401},
		{"empty payload", nil, map[string]any{}, 4401},
		{"unknown api key", nil, map[string]any{"apiKey": keyStorefront + "x"}, 4403},
		{"not a bearer", nil, map[string]any{"Authorization": "Basic " + keyStorefront}, 4403},
		{"api key in the payload", nil, map[string]any{"apiKey": keyStorefront}, 0},
		{"bearer key in the payload", nil, map[string]any{"Authorization": "Bearer " + keyAgent}, 0},
		{"api key on the upgrade", []string{"X-API-Key", keyStorefront}, nil, 0},
		{"the upgrade's key wins", []string{"X-API-Key", keyStorefront}, map[string]any{"apiKey": "wrong"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			conn, _, err := wsDial(ctx, t, url, tt.headers...) //nolint:bodyclose // websocket.Dial closes the response body
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = conn.CloseNow() }()
			init := map[string]any{"type": "connection_init"}
			if tt.payload != nil {
				init["payload"] = tt.payload
			}
			if err := wsjson.Write(ctx, conn, init); err != nil {
				t.Fatal(err)
			}
			var m wsMsg
			err = wsjson.Read(ctx, conn, &m)
			if tt.wantClose != 0 {
				if got := websocket.CloseStatus(err); got != tt.wantClose {
					t.Fatalf("read %+v, %v; want close %d", m, err, tt.wantClose)
				}
				return
			}
			if err != nil || m.Type != "connection_ack" {
				t.Fatalf("got %+v %v, want connection_ack", m, err)
			}
			if err := wsjson.Write(ctx, conn, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": "{ sources { name } }"}}); err != nil {
				t.Fatal(err)
			}
			for m.Type != "next" {
				if err := wsjson.Read(ctx, conn, &m); err != nil {
					t.Fatal(err)
				}
			}
			if string(m.Payload) != `{"data":{"sources":[]}}` {
				t.Fatalf("got %s", m.Payload)
			}
		})
	}
	// A plain GET with an Upgrade header that is not a websocket is not
	// let through without credentials.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/graphql?query=%7B__typename%7D", nil)
	req.Header.Set("Upgrade", "h2c")
	req.Header.Set("X-Requested-With", "x")
	if got := do(t, req); got.status != http.StatusUnauthorized {
		t.Errorf("GET with Upgrade: h2c = %d %s, want 401", got.status, got.body)
	}
	// An upgrade with a wrong key is refused before it is upgraded.
	if _, resp, err := wsDial(t.Context(), t, url, "X-API-Key", "wrong"); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized { //nolint:bodyclose // websocket.Dial closes the response body
		t.Errorf("upgrade with a wrong key: %v %v, want 401", resp, err)
	}
	if out := logs.String(); strings.Contains(out, keyStorefront[:12]) || strings.Contains(out, keyAgent[:12]) {
		t.Fatalf("the logs hold a key: %s", out)
	}
	if !strings.Contains(logs.String(), `"msg":"websocket unauthenticated"`) {
		t.Errorf("no debug line for a refused connection_init: %s", logs.String())
	}
}

func TestCORS(t *testing.T) {
	const app = "https://app.example.com"
	configured := newServer(t, func(c *config.Server) {
		c.CORS = config.CORS{AllowedOrigins: []string{app, "https://*.shop.example"}, AllowCredentials: true}
	}).URL
	closed := newServer(t, nil).URL
	preflight := func(url, origin string) *http.Response {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodOptions, url+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type, x-api-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp
	}
	tests := []struct {
		name, url, origin, wantAllow string
		wantCredentials              bool
	}{
		{"listed origin", configured, app, app, true},
		{"wildcard subdomain", configured, "https://eu.shop.example", "https://eu.shop.example", true},
		{"other origin", configured, "https://evil.example", "", false},
		{"http is another origin", configured, "http://app.example.com", "", false},
		{"none configured", closed, app, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := preflight(tt.url, tt.origin) //nolint:bodyclose // preflight closes it and keeps the headers
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantAllow)
			}
			if got := resp.Header.Get("Access-Control-Allow-Credentials") == "true"; got != tt.wantCredentials {
				t.Errorf("credentials %v, want %v", got, tt.wantCredentials)
			}
			// The websocket's origin check follows the same list.
			conn, wresp, err := wsDial(t.Context(), t, tt.url, "Origin", tt.origin) //nolint:bodyclose // websocket.Dial closes the response body
			if tt.wantAllow != "" {
				if err != nil {
					t.Fatalf("websocket from %s: %v", tt.origin, err)
				}
				_ = conn.CloseNow()
			} else if err == nil || wresp == nil || wresp.StatusCode != http.StatusForbidden {
				t.Fatalf("websocket from %s: %v %v, want 403", tt.origin, wresp, err)
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	var logs lockedBuffer
	url := newAuthServer(t, slog.LevelInfo, &logs, func(c *config.Server) {
		c.RateLimit = config.RateLimit{RequestsPerSecond: 0.01, Burst: 3}
		c.MaxBatchOperations = 5
	})
	q := `{"query":"{ __typename }"}`
	storefront := []string{"X-API-Key", keyStorefront}
	for i := range 3 {
		if got := postTo(t, url, q, storefront...); got.status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, got.status, got.body)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/graphql", strings.NewReader(q))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", keyStorefront)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	_ = resp.Body.Close()
	retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || retry < 1 || !strings.Contains(body.String(), `"code":"RATE_LIMITED"`) {
		t.Fatalf("fourth request: %d Retry-After %q %s; want 429 with Retry-After and RATE_LIMITED", resp.StatusCode, resp.Header.Get("Retry-After"), body.String())
	}
	// Another caller has a budget of its own; a batch costs its size.
	agent := []string{"X-API-Key", keyAgent}
	batch := "[" + strings.Repeat(q+",", 3) + q + "]"
	if got := postTo(t, url, batch, agent...); got.status != http.StatusTooManyRequests {
		t.Fatalf("batch of 4 over a burst of 3: %d %s", got.status, got.body)
	}
	if got := postTo(t, url, "["+q+","+q+"]", agent...); got.status != http.StatusOK {
		t.Fatalf("batch of 2: %d %s", got.status, got.body)
	}

	// Websocket operations are charged one by one, to the caller of the
	// connection_init.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, _, err := wsDial(ctx, t, url) //nolint:bodyclose // websocket.Dial closes the response body
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.CloseNow() }()
	_ = wsjson.Write(ctx, conn, map[string]any{"type": "connection_init", "payload": map[string]any{"apiKey": keyAgent}})
	var m wsMsg
	if err := wsjson.Read(ctx, conn, &m); err != nil || m.Type != "connection_ack" {
		t.Fatalf("%+v %v", m, err)
	}
	// The agent has one request left of its burst of 3.
	for i, want := range []string{`{"data":{"__typename":"Query"}}`, `"code":"RATE_LIMITED"`} {
		id := strconv.Itoa(i)
		_ = wsjson.Write(ctx, conn, map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": "{ __typename }"}})
		m = wsMsg{}
		for m.ID != id || (m.Type != "next" && m.Type != "error") {
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				t.Fatal(err)
			}
		}
		if !strings.Contains(string(m.Payload), want) {
			t.Fatalf("websocket operation %d: %s %s, want %s", i, m.Type, m.Payload, want)
		}
	}
}

// Two replicas, each with its own limiter over one Redis, share a budget.
func TestRateLimitsSharedByReplicas(t *testing.T) {
	rdb := testenv.Redis(t)
	prefix := "harmony-test:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	replica := func() string {
		l := ratelimit.NewRedis(redisClient(rdb), 0.01, 10, prefix, nil)
		t.Cleanup(func() { _ = l.Close() })
		return newServerWith(t, nil, func(o *server.Options) { o.RateLimiter = l }).URL
	}
	a, b := replica(), replica()
	q := `{"query":"{ __typename }"}`
	for i := range 10 {
		url := a
		if i%2 == 1 {
			url = b
		}
		if got := postTo(t, url, q); got.status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, got.status, got.body)
		}
	}
	for _, url := range []string{a, b} {
		if got := postTo(t, url, q); got.status != http.StatusTooManyRequests {
			t.Fatalf("past the shared burst: %d %s", got.status, got.body)
		}
	}
}
