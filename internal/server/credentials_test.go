package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/harmonyhq/harmony/internal/auth"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/server"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/resolvers"
)

const (
	liveKey      = "hk_live_agent_desk_0123456789"
	liveIssuer   = "https://idp.example.test/"
	liveAudience = "harmony"
)

// credentialServer serves cus_1's activity to an API key (role agent) and
// to tokens signed by the returned key, with the authenticator a reload
// would change.
func credentialServer(t *testing.T) (*httptest.Server, bus.Bus, *auth.Authenticator, jwk.Key) {
	t.Helper()
	raw, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := jwk.Import(raw)
	if err != nil {
		t.Fatal(err)
	}
	_ = priv.Set(jwk.KeyIDKey, "k1")
	_ = priv.Set(jwk.AlgorithmKey, jwa.ES256())
	pub, _ := jwk.PublicKeyOf(priv)
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	keys, _ := json.Marshal(set)
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(keys)
	}))
	t.Cleanup(idp.Close)
	sum := sha256.Sum256([]byte(liveKey))
	a, err := auth.New(config.Auth{
		APIKeys: []config.APIKey{{ID: "desk", SHA256: hex.EncodeToString(sum[:]), Role: "agent"}},
		JWT:     &config.JWT{JWKSURL: idp.URL, Issuer: liveIssuer, Audience: liveAudience, RoleClaim: "role"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)

	st := storetest.Open(t)
	if _, err := st.AddCustomers(t.Context(), []store.Customer{{ID: "cus_1", CreatedAt: time.Now().UTC()}}); err != nil {
		t.Fatal(err)
	}
	srcs, _ := sources.NewSet()
	b := bus.NewLocal(bus.Options{})
	off := false
	srv := server.New(server.Options{
		Log:          slog.New(slog.DiscardHandler),
		Config:       config.Server{MaxBodyBytes: 8192, MaxDepth: 8, MaxComplexity: 1000, Playground: &off},
		Resolvers:    &resolvers.Resolver{Store: st, Sources: srcs, Policy: identity.DefaultPolicy(), Bus: b},
		Loaders:      &loaders.Factory{Sources: srcs, Store: st},
		Ready:        func(context.Context) (bool, map[string]string) { return true, nil },
		Authenticate: a.Authenticate,
		Revocations:  a.Revoked,
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		_ = b.Close()
		_ = srv.Close()
	})
	return ts, b, a, priv
}

// token signs an agent's token that the gateway accepts for about left
// more: its exp is then minus the 30 s of skew the gateway tolerates. It
// returns the token and the moment it stops being accepted (exp is in
// whole seconds).
func token(t *testing.T, key jwk.Key, left time.Duration) (string, time.Time) {
	t.Helper()
	exp := time.Now().Add(left - auth.Skew).Truncate(time.Second)
	tok, err := jwt.NewBuilder().Issuer(liveIssuer).Audience([]string{liveAudience}).Subject("agent-7").
		IssuedAt(time.Now().Add(-time.Minute)).Expiration(exp).Claim("role", "agent").Build()
	if err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), key))
	if err != nil {
		t.Fatal(err)
	}
	return string(out), exp.Add(auth.Skew)
}

// sseWith opens an SSE subscription with an Authorization header.
func sseWith(ctx context.Context, t *testing.T, url, authorization string) <-chan sseEvent {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": activityQuery})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SSE answer %d", resp.StatusCode)
	}
	return readSSE(resp.Body)
}

// wsWith opens a websocket, authenticates it in connection_init and
// subscribes.
func wsWith(ctx context.Context, t *testing.T, url, authorization string) *websocket.Conn {
	t.Helper()
	conn, _, err := wsDial(ctx, t, url) //nolint:bodyclose // Dial closes the response body itself
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	_ = wsjson.Write(ctx, conn, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": authorization}})
	var m wsMsg
	if err := wsjson.Read(ctx, conn, &m); err != nil || m.Type != "connection_ack" {
		t.Fatalf("init: %+v %v", m, err)
	}
	_ = wsjson.Write(ctx, conn, map[string]any{"id": "s1", "type": "subscribe", "payload": map[string]any{"query": activityQuery}})
	return conn
}

// sseEnds reads events until the stream ends, after at least one event
// arrived; it returns the last "next" before "complete" and whether the
// stream completed.
func sseEnds(t *testing.T, events <-chan sseEvent, got *atomic.Bool) (lastNext string, completed bool) {
	t.Helper()
	live := false
	for e := range events {
		switch e.event {
		case "next":
			if !live {
				live = true
				got.Store(true)
			}
			lastNext = e.data
		case "complete":
			completed = true
		}
	}
	if !live {
		t.Fatal("the SSE stream never delivered an event")
	}
	return lastNext, completed
}

// wsEnds reads messages until the socket closes, after at least one event
// arrived; it returns the last "next", whether the subscription completed
// and the close status and reason.
func wsEnds(ctx context.Context, t *testing.T, conn *websocket.Conn, got *atomic.Bool) (lastNext string, completed bool, err error) {
	t.Helper()
	live := false
	for {
		var m wsMsg
		if err = wsjson.Read(ctx, conn, &m); err != nil {
			if !live {
				t.Fatalf("the websocket never delivered an event: %v", err)
			}
			return lastNext, completed, err
		}
		switch m.Type {
		case "next":
			if !live {
				live = true
				got.Store(true)
			}
			lastNext = string(m.Payload)
		case "complete":
			completed = true
		}
	}
}

// TestSubscriptionsEndWhenTheTokenExpires opens a subscription over SSE
// and one over a websocket with a token accepted for 3 more seconds, keeps
// publishing, and checks that both end then: SSE with a last result
// coded CREDENTIAL_EXPIRED and "complete"; the websocket with "complete"
// and a close 4403 "credential expired". A new request with the token is
// refused.
func TestSubscriptionsEndWhenTheTokenExpires(t *testing.T) {
	ts, b, _, key := credentialServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	signed, deadline := token(t, key, 3*time.Second)
	tok := "Bearer " + signed
	events := sseWith(ctx, t, ts.URL, tok)
	conn := wsWith(ctx, t, ts.URL, tok)
	var sseLive, wsLive atomic.Bool
	publishing, stop := context.WithCancel(ctx)
	defer stop()
	go func() { // every 50 ms, for as long as the test runs
		var never atomic.Bool
		publishUntil(publishing, b, &never)
	}()

	type wsEnd struct {
		last      string
		completed bool
		err       error
		at        time.Time
	}
	wsDone := make(chan wsEnd, 1)
	go func() {
		last, completed, err := wsEnds(ctx, t, conn, &wsLive)
		wsDone <- wsEnd{last, completed, err, time.Now()}
	}()
	last, completed := sseEnds(t, events, &sseLive)
	sseEnded := time.Now()
	if !completed || !strings.Contains(last, `"code":"CREDENTIAL_EXPIRED"`) || strings.Contains(last, `"data":{`) {
		t.Errorf("SSE ended with %s (completed %v), want an error coded CREDENTIAL_EXPIRED then complete", last, completed)
	}
	if sseEnded.Before(deadline) || sseEnded.After(deadline.Add(5*time.Second)) {
		t.Errorf("SSE ended %v after the deadline, want just after it", sseEnded.Sub(deadline))
	}
	w := <-wsDone
	if !w.completed || !strings.Contains(w.last, "CREDENTIAL_EXPIRED") {
		t.Errorf("websocket: last %s, completed %v", w.last, w.completed)
	}
	var ce websocket.CloseError
	if !asClose(w.err, &ce) || ce.Code != 4403 || ce.Reason != "credential expired" {
		t.Errorf("websocket closed with %v, want 4403 credential expired", w.err)
	}
	if w.at.Before(deadline) {
		t.Errorf("websocket closed %v before the deadline", deadline.Sub(w.at))
	}
	r := postTo(t, ts.URL, `{"query":"{ __typename }"}`, "Authorization", tok)
	if r.status != http.StatusUnauthorized {
		t.Errorf("a request with the expired token: %d %s", r.status, r.body)
	}
}

// TestRevokingAnAPIKeyEndsItsSubscriptions opens subscriptions with an API
// key, removes the key as a configuration reload does, and checks that
// they end at once (CREDENTIAL_REVOKED over SSE, close 4403 "credential
// revoked" on the websocket) and that the key is refused from then on.
func TestRevokingAnAPIKeyEndsItsSubscriptions(t *testing.T) {
	ts, b, a, _ := credentialServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	events := sseWith(ctx, t, ts.URL, "Bearer "+liveKey)
	conn := wsWith(ctx, t, ts.URL, "Bearer "+liveKey)
	var sseLive, wsLive atomic.Bool
	go publishUntil(ctx, b, &sseLive)

	// Once both are live, the key goes.
	wsDone := make(chan error, 1)
	var wsLast string
	var wsCompleted bool
	go func() {
		var err error
		wsLast, wsCompleted, err = wsEnds(ctx, t, conn, &wsLive)
		wsDone <- err
	}()
	first := <-events
	if first.event != "next" || !strings.Contains(first.data, `"customerActivity"`) {
		t.Fatalf("SSE: %+v", first)
	}
	for !wsLive.Load() {
		time.Sleep(20 * time.Millisecond)
	}
	revokedAt := time.Now()
	if n, err := a.SetAPIKeys(config.Auth{}); err != nil || n != 1 {
		t.Fatalf("revoked %d, %v", n, err)
	}
	var last sseEvent
	var completed bool
	for e := range events {
		if e.event == "complete" {
			completed = true
			continue
		}
		last = e
	}
	if !completed || !strings.Contains(last.data, `"code":"CREDENTIAL_REVOKED"`) {
		t.Errorf("SSE ended with %+v (completed %v), want CREDENTIAL_REVOKED then complete", last, completed)
	}
	if d := time.Since(revokedAt); d > 5*time.Second {
		t.Errorf("the SSE stream ended %v after the revocation", d)
	}
	err := <-wsDone
	var ce websocket.CloseError
	if !asClose(err, &ce) || ce.Code != 4403 || ce.Reason != "credential revoked" || !wsCompleted ||
		!strings.Contains(wsLast, "CREDENTIAL_REVOKED") {
		t.Errorf("websocket: %v (last %s, completed %v), want CREDENTIAL_REVOKED, complete, close 4403 credential revoked", err, wsLast, wsCompleted)
	}
	if r := postTo(t, ts.URL, `{"query":"{ __typename }"}`, "X-API-Key", liveKey); r.status != http.StatusUnauthorized {
		t.Errorf("the revoked key: %d %s", r.status, r.body)
	}
}

func asClose(err error, ce *websocket.CloseError) bool { return errors.As(err, ce) }
