package server_test

import (
	"bufio"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/config"
)

// requestAs posts { __typename } to url's /graphql with the given Host and
// Origin ("" for none), and returns the answer.
func requestAs(t *testing.T, method, url, path, host, origin string, headers ...string) reply {
	t.Helper()
	var body *strings.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"query":"{ __typename }"}`)
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, url+path, body)
	req.Header.Set("Content-Type", "application/json")
	if host != "" {
		req.Host = host
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, req)
}

// upgradeStatus sends a websocket upgrade to /graphql with the given Host
// and Origin over a raw connection and returns the status code answered.
func upgradeStatus(t *testing.T, ts *httptest.Server, host, origin string) int {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(t.Context(), "tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /graphql HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: graphql-transport-ws\r\nOrigin: " + origin + "\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil) //nolint:bodyclose // the connection is closed
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode
}

// TestOpenModeAnswersLoopbackOnly: without auth the gateway serves every
// request as admin, so it answers only requests that name a loopback host,
// and browsers of its own origin. Before, a request with
// Host: attacker.example (DNS rebinding) was served as admin and a
// websocket from that host and origin was accepted.
func TestOpenModeAnswersLoopbackOnly(t *testing.T) {
	ts := newServer(t, nil)
	port := ts.Listener.Addr().(*net.TCPAddr).Port
	own := ts.URL // http://127.0.0.1:port
	tests := []struct {
		name, method, path, host, origin string
		wantStatus                       int
		wantCode                         string
	}{
		{"the listener's address", http.MethodPost, "/graphql", "", "", http.StatusOK, ""},
		{"localhost with a port", http.MethodPost, "/graphql", "localhost:" + strconv.Itoa(port), "", http.StatusOK, ""},
		{"LOCALHOST", http.MethodPost, "/graphql", "LOCALHOST", "", http.StatusOK, ""},
		{"IPv6 loopback", http.MethodPost, "/graphql", "[::1]:" + strconv.Itoa(port), "", http.StatusOK, ""},
		{"same-origin browser", http.MethodPost, "/graphql", "", own, http.StatusOK, ""},
		{"same-origin browser on localhost", http.MethodPost, "/graphql", "localhost:" + strconv.Itoa(port), "http://localhost:" + strconv.Itoa(port), http.StatusOK, ""},
		{"a rebound name", http.MethodPost, "/graphql", "attacker.example:" + strconv.Itoa(port), "", http.StatusForbidden, "HOST_NOT_ALLOWED"},
		{"a rebound name without port", http.MethodPost, "/graphql", "attacker.example", "", http.StatusForbidden, "HOST_NOT_ALLOWED"},
		{"a rebound name as its own origin", http.MethodPost, "/graphql", "attacker.example", "http://attacker.example", http.StatusForbidden, "HOST_NOT_ALLOWED"},
		{"a name under localhost", http.MethodPost, "/graphql", "evil.localhost", "", http.StatusForbidden, "HOST_NOT_ALLOWED"},
		{"another loopback address", http.MethodPost, "/graphql", "127.0.0.2", "", http.StatusForbidden, "HOST_NOT_ALLOWED"},
		{"health of a rebound name", http.MethodGet, "/healthz", "attacker.example", "", http.StatusForbidden, "HOST_NOT_ALLOWED"},
		{"a cross-origin page", http.MethodPost, "/graphql", "", "http://attacker.example", http.StatusForbidden, "ORIGIN_NOT_ALLOWED"},
		{"another port is another origin", http.MethodPost, "/graphql", "", "http://127.0.0.1:1", http.StatusForbidden, "ORIGIN_NOT_ALLOWED"},
		{"a sandboxed page", http.MethodPost, "/graphql", "", "null", http.StatusForbidden, "ORIGIN_NOT_ALLOWED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := requestAs(t, tt.method, ts.URL, tt.path, tt.host, tt.origin)
			if got.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", got.status, got.body, tt.wantStatus)
			}
			if tt.wantCode != "" && !strings.Contains(got.body, `"`+tt.wantCode+`"`) {
				t.Errorf("answer %s, want code %s", got.body, tt.wantCode)
			}
			if strings.Contains(got.body, "attacker") {
				t.Errorf("the answer repeats the request: %s", got.body)
			}
		})
	}

	t.Run("websocket", func(t *testing.T) {
		host := "127.0.0.1:" + strconv.Itoa(port)
		if got := upgradeStatus(t, ts, host, "http://"+host); got != http.StatusSwitchingProtocols {
			t.Errorf("same-origin upgrade: %d, want 101", got)
		}
		if got := upgradeStatus(t, ts, "attacker.example", "http://attacker.example"); got != http.StatusForbidden {
			t.Errorf("upgrade from a rebound name: %d, want 403", got)
		}
		if got := upgradeStatus(t, ts, host, "http://attacker.example"); got != http.StatusForbidden {
			t.Errorf("cross-origin upgrade: %d, want 403", got)
		}
	})
}

// TestOpenModeTrustsListedOriginsOnly: an origin the operator listed in
// server.cors.allowed_origins may call an open gateway; "*" opens it to no
// page.
func TestOpenModeTrustsListedOriginsOnly(t *testing.T) {
	listed := newServer(t, func(c *config.Server) {
		c.CORS = config.CORS{AllowedOrigins: []string{"http://localhost:3000", "https://*.dev.example"}}
	})
	star := newServer(t, func(c *config.Server) { c.CORS = config.CORS{AllowedOrigins: []string{"*"}} })
	for _, tt := range []struct {
		name, url, origin string
		want              int
	}{
		{"a listed origin", listed.URL, "http://localhost:3000", http.StatusOK},
		{"under a listed wildcard", listed.URL, "https://app.dev.example", http.StatusOK},
		{"not under the wildcard", listed.URL, "https://app.dev.example.attacker.example", http.StatusForbidden},
		{"not listed", listed.URL, "http://localhost:3001", http.StatusForbidden},
		{"any origin under *", star.URL, "http://attacker.example", http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := requestAs(t, http.MethodPost, tt.url, "/graphql", "", tt.origin); got.status != tt.want {
				t.Errorf("status %d %s, want %d", got.status, got.body, tt.want)
			}
		})
	}
}

// TestConfiguredGatewaysAnswerAnyHost: with auth, the Host and Origin
// checks of open mode do not apply (CORS and credentials do).
func TestConfiguredGatewaysAnswerAnyHost(t *testing.T) {
	var logs lockedBuffer
	url := newAuthServer(t, slog.LevelInfo, &logs, nil)
	got := requestAs(t, http.MethodPost, url, "/graphql", "harmony.example.com", "", "X-API-Key", keyAgent)
	if got.status != http.StatusOK || !strings.Contains(got.body, `"__typename":"Query"`) {
		t.Errorf("configured gateway, another host: %d %s", got.status, got.body)
	}
	if got := requestAs(t, http.MethodPost, url, "/graphql", "harmony.example.com", ""); got.status != http.StatusUnauthorized {
		t.Errorf("configured gateway without a credential: %d %s", got.status, got.body)
	}
}
