package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/server"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/resolvers"
)

const activityQuery = `subscription { customerActivity(customerId: "cus_1") { id customerId source channel type summary } }`

// newLiveServer serves customer cus_1 and a local bus to callers holding
// scopes.
func newLiveServer(t *testing.T, scopes ...string) (*server.Server, *httptest.Server, bus.Bus) {
	t.Helper()
	st := storetest.Open(t)
	if _, err := st.AddCustomers(t.Context(), []store.Customer{{ID: "cus_1", CreatedAt: time.Now().UTC()}}); err != nil {
		t.Fatal(err)
	}
	set, _ := sources.NewSet()
	b := bus.NewLocal(bus.Options{})
	off := false
	srv := server.New(server.Options{
		Log:       slog.New(slog.DiscardHandler),
		Config:    config.Server{MaxBodyBytes: 8192, MaxDepth: 8, MaxComplexity: 1000, Playground: &off},
		Resolvers: &resolvers.Resolver{Store: st, Sources: set, Policy: identity.DefaultPolicy(), Bus: b},
		Loaders:   &loaders.Factory{Sources: set, Store: st},
		Ready:     func(context.Context) (bool, map[string]string) { return true, nil },
		Authenticate: func(*http.Request) (caller.Caller, error) {
			return caller.Caller{Name: "t", Scopes: scopes}, nil
		},
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		_ = b.Close()
		_ = srv.Close()
	})
	return srv, ts, b
}

// publishUntil publishes events of cus_1 every 50 ms until got is true:
// a subscription starts asynchronously.
func publishUntil(ctx context.Context, b bus.Bus, got *atomic.Bool) {
	for i := 0; !got.Load() && ctx.Err() == nil; i++ {
		_ = b.Publish(ctx, bus.Event{ID: "act_" + string(rune('a'+i%26)), Connector: "helpdesk", EventID: "e", Type: "message.created",
			CustomerID: "cus_1", ReceivedAt: time.Now().UTC(),
			Interaction: &connectors.Interaction{ID: "m", Channel: "chat", Type: "message", Summary: "my card is 4970 1234"}})
		time.Sleep(50 * time.Millisecond)
	}
}

// sseStream posts query with Accept: text/event-stream and returns the
// response; the caller closes its body.
func sseStream(ctx context.Context, t *testing.T, url, query string) *http.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("SSE answer %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return resp
}

// sseEvent is one server-sent event.
type sseEvent struct{ event, data string }

// readSSE sends the stream's events on a channel, closed at the end.
func readSSE(r io.Reader) <-chan sseEvent {
	out := make(chan sseEvent, 16)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(r)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.event != "" {
					out <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				e.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

// The summary of an event is personal data: masked over SSE for a caller
// without pii:read.
func TestSubscriptionOverSSEMasksPII(t *testing.T) {
	tests := []struct {
		name        string
		scopes      []string
		wantSummary string
		wantError   string
	}{
		{"customers:read only", []string{caller.ScopeRead}, `"summary":"***"`, ""},
		{"with pii:read", []string{caller.ScopeRead, caller.ScopePIIRead}, `"summary":"my card is 4970 1234"`, ""},
		{"no scope", nil, "", "FORBIDDEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts, b := newLiveServer(t, tt.scopes...)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			resp := sseStream(ctx, t, ts.URL, activityQuery)
			defer resp.Body.Close()
			events := readSSE(resp.Body)
			var got atomic.Bool
			go publishUntil(ctx, b, &got)
			e, ok := <-events
			got.Store(true)
			if !ok || e.event != "next" {
				t.Fatalf("got %+v, want a next event", e)
			}
			if tt.wantError != "" {
				if !strings.Contains(e.data, tt.wantError) {
					t.Errorf("got %s, want %s", e.data, tt.wantError)
				}
				return
			}
			if !strings.Contains(e.data, tt.wantSummary) || !strings.Contains(e.data, `"customerId":"cus_1"`) ||
				!strings.Contains(e.data, `"channel":"CHAT"`) {
				t.Errorf("got %s, want %s", e.data, tt.wantSummary)
			}
		})
	}
}

// A plain POST of a query still answers JSON: SSE takes only requests
// that accept text/event-stream.
func TestPlainPostIsNotSSE(t *testing.T) {
	_, ts, _ := newLiveServer(t, caller.ScopeRead)
	r := postTo(t, ts.URL, `{"query":"{ sources { name } }"}`)
	if r.status != http.StatusOK || r.body != `{"data":{"sources":[]}}` {
		t.Fatalf("got %d %s", r.status, r.body)
	}
}

// An SSE body that is JSON but not an operation is refused without being
// repeated.
func TestSSERefusesBadBodiesQuietly(t *testing.T) {
	_, ts, _ := newLiveServer(t, caller.ScopeRead)
	for _, body := range []string{`{"query": 5}`, `{"query": "{ sources { name } }", "variables": "jane@example.com"}`} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		r := do(t, req)
		if r.status != http.StatusBadRequest || strings.Contains(r.body, "jane") || strings.Contains(r.body, "query") {
			t.Errorf("%s: got %d %s", body, r.status, r.body)
		}
	}
}

// Drain ends open subscriptions: the websocket gets "complete" then a 1001
// close, the SSE stream "event: complete" and its end; later
// subscriptions are refused.
func TestDrainEndsSubscriptions(t *testing.T) {
	srv, ts, b := newLiveServer(t, caller.ScopeRead)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()

	conn, _, err := wsDial(ctx, t, ts.URL) //nolint:bodyclose // Dial closes the response body itself
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.CloseNow() }()
	_ = wsjson.Write(ctx, conn, map[string]any{"type": "connection_init"})
	var m wsMsg
	if err := wsjson.Read(ctx, conn, &m); err != nil || m.Type != "connection_ack" {
		t.Fatalf("init: %+v %v", m, err)
	}
	_ = wsjson.Write(ctx, conn, map[string]any{"id": "s1", "type": "subscribe", "payload": map[string]any{"query": activityQuery}})

	resp := sseStream(ctx, t, ts.URL, activityQuery)
	defer resp.Body.Close()
	events := readSSE(resp.Body)

	// Both subscriptions are live once each has an event.
	var got atomic.Bool
	go publishUntil(ctx, b, &got)
	if err := wsjson.Read(ctx, conn, &m); err != nil || m.Type != "next" {
		t.Fatalf("websocket: %+v %v", m, err)
	}
	if e := <-events; e.event != "next" {
		t.Fatalf("SSE: %+v", e)
	}
	got.Store(true)

	dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
	defer dcancel()
	drained := make(chan error, 1)
	go func() { drained <- srv.Drain(dctx) }()

	// The websocket: maybe more events, then complete, then 1001.
	for m.Type == "next" {
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			t.Fatalf("websocket read before complete: %v", err)
		}
	}
	if m.Type != "complete" || m.ID != "s1" {
		t.Fatalf("websocket: %+v, want complete of s1", m)
	}
	err = wsjson.Read(ctx, conn, &m)
	if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
		t.Fatalf("websocket: %v (%+v), want close 1001", err, m)
	}
	// The SSE stream: maybe more events, then complete and EOF.
	last := sseEvent{}
	for e := range events {
		last = e
	}
	if last.event != "complete" {
		t.Fatalf("SSE stream ended with %+v, want complete", last)
	}
	if err := <-drained; err != nil {
		t.Fatalf("drain: %v", err)
	}

	// Later subscriptions are refused.
	late := sseStream(ctx, t, ts.URL, activityQuery)
	defer late.Body.Close()
	e := <-readSSE(late.Body)
	if !strings.Contains(e.data, "SHUTTING_DOWN") {
		t.Errorf("a subscription after the drain: %+v", e)
	}
}
