package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/rest"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/webhook"
)

const secret = "test-webhook-secret-0123456789"

// restEvents is a rest instance that parses the helpdesk simulator's
// deliveries.
const restEvents = `
base_url: http://127.0.0.1:1
events:
  records: $.events
  id: $.id
  type: $.type
  customer_key: $.user_id
  email: $.email
  interaction:
    id: $.message.id
    occurred_at: $.created_at
    channel: $.message.channel
    type: message
    summary: $.message.preview
`

func restConnector(t testing.TB) connectors.Connector {
	t.Helper()
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(restEvents), &node); err != nil {
		t.Fatal(err)
	}
	c, err := connectors.Build(context.Background(), rest.KindID, node.Content[0], connectors.Env{Name: "helpdesk"})
	if err != nil {
		t.Fatalf("build rest connector: %v", err)
	}
	return c
}

// memStore is an in-memory Store that refuses duplicate IDs like MongoDB.
type memStore struct {
	mu   sync.Mutex
	docs map[string]store.Activity
	fail error
}

func (m *memStore) AddActivities(_ context.Context, as []store.Activity) ([]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	if m.docs == nil {
		m.docs = map[string]store.Activity{}
	}
	out := make([]bool, len(as))
	for i, a := range as {
		if _, ok := m.docs[a.ID]; !ok {
			m.docs[a.ID] = a
			out[i] = true
		}
	}
	return out, nil
}

func (m *memStore) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.docs)
}

// keyResolver knows customer "c-<key>" for native keys below 100.
type keyResolver struct{}

func (keyResolver) Owners(_ context.Context, refs []identity.Ref) ([]identity.Resolved, error) {
	out := make([]identity.Resolved, len(refs))
	for i, r := range refs {
		if n, err := strconv.Atoi(r.Key); err == nil && n < 100 {
			out[i].CustomerID = "c-" + r.Key
		}
	}
	return out, nil
}

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	srv   *httptest.Server
	store *memStore
	bus   *bus.Local
	v     *webhook.Verifier
}

func newFixture(t *testing.T, w config.Webhook) *fixture {
	t.Helper()
	return newFixtureWith(t, w, nil)
}

func newFixtureWith(t *testing.T, w config.Webhook, suppressed func(string, connectors.Event) bool) *fixture {
	t.Helper()
	if w.Secret == "" {
		w.Secret = secret
	}
	ep, err := webhook.NewEndpoint("helpdesk", w, restConnector(t))
	if err != nil {
		t.Fatalf("endpoint: %v", err)
	}
	f := &fixture{store: &memStore{}, bus: bus.NewLocal(bus.Options{}), v: ep.Verifier}
	h := webhook.New(webhook.Options{Endpoints: []webhook.Endpoint{ep}, Store: f.store, Resolver: keyResolver{}, Bus: f.bus,
		Now: func() time.Time { return now }, Suppressed: suppressed})
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/{connector}", h)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

type answer struct {
	status int
	raw    string
	result webhook.Result
	code   string
}

func (f *fixture) post(t *testing.T, path string, body []byte, header http.Header) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.srv.URL+path, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(raw)}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	a.code = e.Error.Code
	_ = json.Unmarshal(raw, &a.result)
	return a
}

func delivery(ids ...string) []byte {
	var evs []string
	for i, id := range ids {
		evs = append(evs, fmt.Sprintf(`{"id":%q,"type":"message.created","created_at":"2026-05-01T11:59:00Z","user_id":%d,
			"message":{"id":"m-%s","channel":"chat","preview":"private words %d"}}`, id, 40+i, id, i))
	}
	return []byte(`{"events":[` + strings.Join(evs, ",") + `]}`)
}

func TestWebhook(t *testing.T) {
	type step struct {
		name   string
		path   string
		body   []byte
		header func(body []byte) http.Header
		status int
		code   string
		want   webhook.Result
	}
	f := newFixture(t, config.Webhook{Signature: config.WebhookSignature{TimestampHeader: "X-Timestamp"}, MaxBodyBytes: 4096, MaxEvents: 5})
	signed := func(at time.Time) func([]byte) http.Header {
		return func(b []byte) http.Header { return f.v.Sign(b, at) }
	}
	big := delivery(strings.Repeat("x", 5000))
	steps := []step{
		{name: "good signature", path: "/webhooks/helpdesk", body: delivery("e1"), header: signed(now),
			status: 200, want: webhook.Result{Received: 1, Stored: 1}},
		{name: "duplicate", path: "/webhooks/helpdesk", body: delivery("e1"), header: signed(now.Add(time.Second)),
			status: 200, want: webhook.Result{Received: 1, Duplicates: 1, Duplicate: true}},
		{name: "batch with a duplicate", path: "/webhooks/helpdesk", body: delivery("e1", "e2", "e3", "e3"), header: signed(now),
			status: 200, want: webhook.Result{Received: 4, Stored: 2, Duplicates: 2}},
		{name: "ping", path: "/webhooks/helpdesk", body: []byte(`{"events":[]}`), header: signed(now), status: 200},
		{name: "bad signature", path: "/webhooks/helpdesk", body: delivery("e9"), header: func([]byte) http.Header {
			return f.v.Sign(delivery("other"), now)
		}, status: 401, code: webhook.CodeBadSignature},
		{name: "tampered body", path: "/webhooks/helpdesk", body: delivery("e9"), header: func(b []byte) http.Header {
			return f.v.Sign(append(b, ' '), now)
		}, status: 401, code: webhook.CodeBadSignature},
		{name: "missing signature", path: "/webhooks/helpdesk", body: delivery("e9"), header: func([]byte) http.Header { return nil },
			status: 401, code: webhook.CodeMissingSignature},
		{name: "missing timestamp", path: "/webhooks/helpdesk", body: delivery("e9"), header: func(b []byte) http.Header {
			h := f.v.Sign(b, now)
			h.Del("X-Timestamp")
			return h
		}, status: 401, code: webhook.CodeMissingSignature},
		{name: "replayed, old timestamp", path: "/webhooks/helpdesk", body: delivery("e9"), header: signed(now.Add(-6 * time.Minute)),
			status: 401, code: webhook.CodeStaleSignature},
		{name: "timestamp from the future", path: "/webhooks/helpdesk", body: delivery("e9"), header: signed(now.Add(6 * time.Minute)),
			status: 401, code: webhook.CodeStaleSignature},
		{name: "timestamp swapped on a captured delivery", path: "/webhooks/helpdesk", body: delivery("e9"), header: func(b []byte) http.Header {
			h := f.v.Sign(b, now.Add(-time.Hour))
			h.Set("X-Timestamp", strconv.FormatInt(now.Unix(), 10))
			return h
		}, status: 401, code: webhook.CodeBadSignature},
		{name: "unknown connector", path: "/webhooks/crm", body: delivery("e9"), header: signed(now), status: 404, code: webhook.CodeNotFound},
		{name: "oversized", path: "/webhooks/helpdesk", body: big, header: signed(now), status: 413, code: webhook.CodeTooLarge},
		{name: "too many events", path: "/webhooks/helpdesk", body: delivery("a", "b", "c", "d", "e", "f"), header: signed(now),
			status: 413, code: webhook.CodeTooLarge},
		{name: "malformed JSON", path: "/webhooks/helpdesk", body: []byte(`{"events":[{"id":"secret-looking-value"`), header: signed(now),
			status: 400, code: webhook.CodeMalformed},
		{name: "event without id", path: "/webhooks/helpdesk", body: []byte(`{"events":[{"type":"x","created_at":"2026-05-01T11:59:00Z"}]}`),
			header: signed(now), status: 400, code: webhook.CodeMalformed},
		{name: "bad time", path: "/webhooks/helpdesk", body: []byte(`{"events":[{"id":"t1","created_at":"yesterday-ish","message":{"id":"m-t1"}}]}`),
			header: signed(now), status: 400, code: webhook.CodeMalformed},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			a := f.post(t, s.path, s.body, s.header(s.body))
			if a.status != s.status || a.code != s.code {
				t.Fatalf("got %d %q, want %d %q: %s", a.status, a.code, s.status, s.code, a.raw)
			}
			if s.status == 200 && a.result != s.want {
				t.Errorf("result %+v, want %+v", a.result, s.want)
			}
			for _, leak := range []string{"private words", "secret-looking-value", "m-e", secret} {
				if strings.Contains(a.raw, leak) {
					t.Errorf("answer echoes %q: %s", leak, a.raw)
				}
			}
		})
	}
	if n := f.store.len(); n != 3 {
		t.Errorf("stored %d events, want 3 (e1, e2, e3)", n)
	}
}

func TestWebhookStoresResolvedAndPublishes(t *testing.T) {
	f := newFixture(t, config.Webhook{})
	events, cancel := f.bus.Subscribe(t.Context(), bus.Filter{CustomerIDs: []string{"c-40"}})
	defer cancel()
	body := []byte(`{"events":[
		{"id":"k1","type":"message.created","created_at":"2026-05-01T11:59:00Z","user_id":40,"message":{"id":"m1","channel":"whatsapp"}},
		{"id":"k2","type":"message.created","created_at":"2026-05-01T11:58:00Z","user_id":4000,"message":{"id":"m2","channel":"chat"}},
		{"id":"k3","type":"ticket.solved","email":" Ana@Example.com "}]}`)
	a := f.post(t, "/webhooks/helpdesk", body, f.v.Sign(body, now))
	if a.status != 200 || a.result.Stored != 3 {
		t.Fatalf("got %d %s", a.status, a.raw)
	}
	f.store.mu.Lock()
	got := f.store.docs[store.ActivityID("helpdesk", "k1")]
	unresolved := f.store.docs[store.ActivityID("helpdesk", "k2")]
	noInteraction := f.store.docs[store.ActivityID("helpdesk", "k3")]
	f.store.mu.Unlock()
	if got.CustomerID != "c-40" || got.CustomerKey != "40" || got.Interaction == nil || got.Interaction.Channel != "whatsapp" ||
		!got.OccurredAt.Equal(time.Date(2026, 5, 1, 11, 59, 0, 0, time.UTC)) {
		t.Errorf("stored %+v", got)
	}
	if unresolved.EventID != "k2" || unresolved.CustomerID != "" || unresolved.CustomerKey != "4000" {
		t.Errorf("unresolved event stored as %+v, want kept with its key", unresolved)
	}
	if noInteraction.EventID != "k3" || noInteraction.Interaction != nil || !noInteraction.OccurredAt.Equal(now) {
		t.Errorf("event without interaction stored as %+v", noInteraction)
	}
	select {
	case e := <-events:
		if e.EventID != "k1" || e.CustomerID != "c-40" || e.Interaction == nil || e.Interaction.Channel != "whatsapp" {
			t.Errorf("published %+v", e)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no event published")
	}
	select {
	case e := <-events:
		t.Errorf("the filter let through %+v", e)
	default:
	}
}

func TestWebhookStoreFailureIsNotAccepted(t *testing.T) {
	f := newFixture(t, config.Webhook{})
	f.store.fail = errors.New("store down")
	body := delivery("s1")
	a := f.post(t, "/webhooks/helpdesk", body, f.v.Sign(body, now))
	if a.status != http.StatusServiceUnavailable || a.code != webhook.CodeStoreUnavailable {
		t.Fatalf("got %d %s, want 503", a.status, a.raw)
	}
	f.store.fail = nil
	a = f.post(t, "/webhooks/helpdesk", body, f.v.Sign(body, now))
	if a.status != 200 || a.result.Stored != 1 {
		t.Fatalf("resend: got %d %s", a.status, a.raw)
	}
}

func TestWebhookOversizedWithoutLength(t *testing.T) {
	f := newFixture(t, config.Webhook{MaxBodyBytes: 1024})
	body := delivery(strings.Repeat("y", 2000))
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write(body)
		_ = pw.Close()
	}()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.srv.URL+"/webhooks/helpdesk", pr)
	for k, v := range f.v.Sign(body, now) {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked oversized body: %d, want 413", resp.StatusCode)
	}
}

func TestVerifierSchemes(t *testing.T) {
	body := []byte(`{"id":"evt_1"}`)
	tests := []struct {
		name   string
		sig    config.WebhookSignature
		header func() http.Header
	}{
		{"github sha256", config.WebhookSignature{Scheme: "github"}, func() http.Header {
			return http.Header{"X-Hub-Signature-256": {"sha256=" + hexMAC("sha256", secret, string(body))}}
		}},
		{"github sha1", config.WebhookSignature{Scheme: "github", Algorithm: "sha1"}, func() http.Header {
			return http.Header{"X-Hub-Signature": {"sha1=" + hexMAC("sha1", secret, string(body))}}
		}},
		{"slack", config.WebhookSignature{Scheme: "slack"}, func() http.Header {
			ts := strconv.FormatInt(now.Unix(), 10)
			return http.Header{"X-Slack-Signature": {"v0=" + hexMAC("sha256", secret, "v0:"+ts+":"+string(body))},
				"X-Slack-Request-Timestamp": {ts}}
		}},
		{"stripe, second v1 matches", config.WebhookSignature{Scheme: "stripe"}, func() http.Header {
			ts := strconv.FormatInt(now.Unix(), 10)
			return http.Header{"Stripe-Signature": {"t=" + ts + ",v1=00ff,v1=" + hexMAC("sha256", secret, ts+"."+string(body))}}
		}},
		{"zendesk style: base64, RFC 3339 timestamp, no separator", config.WebhookSignature{Header: "X-Zendesk-Webhook-Signature",
			Encoding: "base64", TimestampHeader: "X-Zendesk-Webhook-Signature-Timestamp", Payload: "{timestamp}{body}"}, func() http.Header {
			ts := now.Format(time.RFC3339)
			return http.Header{"X-Zendesk-Webhook-Signature": {b64MAC(secret, ts+string(body))},
				"X-Zendesk-Webhook-Signature-Timestamp": {ts}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := webhook.NewVerifier(config.Webhook{Secret: secret, Signature: tt.sig})
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(tt.header(), body, now); err != nil {
				t.Errorf("vendor signature refused: %v", err)
			}
			if err := v.Verify(v.Sign(body, now), body, now); err != nil {
				t.Errorf("own signature refused: %v", err)
			}
			if err := v.Verify(tt.header(), append([]byte(" "), body...), now); !errors.Is(err, webhook.ErrBadSignature) {
				t.Errorf("other body: %v, want ErrBadSignature", err)
			}
			if s := fmt.Sprintf("%v %+v %#v %s", v, v, v, v); strings.Contains(s, secret) {
				t.Errorf("printing the verifier shows the secret: %s", s)
			}
		})
	}
}

func TestVerifierConfig(t *testing.T) {
	tests := []struct {
		name string
		w    config.Webhook
		key  string
	}{
		{"no secret", config.Webhook{}, "secret"},
		{"short secret", config.Webhook{Secret: "short"}, "secret"},
		{"unknown scheme", config.Webhook{Secret: secret, Signature: config.WebhookSignature{Scheme: "md5"}}, "signature.scheme"},
		{"unknown algorithm", config.Webhook{Secret: secret, Signature: config.WebhookSignature{Algorithm: "md5"}}, "signature.algorithm"},
		{"timestamp not signed", config.Webhook{Secret: secret, Signature: config.WebhookSignature{TimestampHeader: "X-T", Payload: "{body}"}}, "signature.payload"},
		{"bad header", config.Webhook{Secret: secret, Signature: config.WebhookSignature{Header: "X Sig"}}, "signature.header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := webhook.NewVerifier(tt.w)
			var ce *connectors.ConfigError
			if !errors.As(err, &ce) || ce.Key != tt.key {
				t.Fatalf("got %v, want a config error on %s", err, tt.key)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

// Events naming an erased person (the suppression list) are acknowledged,
// so that the system stops sending them, but neither stored nor
// published: a late webhook does not bring them back.
func TestWebhookDropsSuppressedEvents(t *testing.T) {
	f := newFixtureWith(t, config.Webhook{}, func(connector string, e connectors.Event) bool {
		return connector == "helpdesk" && (e.CustomerKey == "40" || strings.EqualFold(strings.TrimSpace(e.Identifier.Value), "ana@example.com"))
	})
	events, cancel := f.bus.Subscribe(t.Context(), bus.Filter{})
	defer cancel()
	body := []byte(`{"events":[
		{"id":"k1","type":"message.created","created_at":"2026-05-01T11:59:00Z","user_id":40,"message":{"id":"m1","channel":"whatsapp"}},
		{"id":"k2","type":"message.created","created_at":"2026-05-01T11:58:00Z","user_id":41,"message":{"id":"m2","channel":"chat"}},
		{"id":"k3","type":"ticket.solved","email":" Ana@Example.com "}]}`)
	a := f.post(t, "/webhooks/helpdesk", body, f.v.Sign(body, now))
	if a.status != 200 || a.result != (webhook.Result{Received: 3, Stored: 1, Suppressed: 2}) {
		t.Fatalf("got %d %s", a.status, a.raw)
	}
	if n := f.store.len(); n != 1 {
		t.Errorf("stored %d events, want 1", n)
	}
	select {
	case e := <-events:
		if e.EventID != "k2" {
			t.Errorf("published %+v", e)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the other event was not published")
	}
	select {
	case e := <-events:
		t.Errorf("a suppressed event was published: %+v", e)
	case <-time.After(100 * time.Millisecond):
	}
	// A delivery of suppressed events only is acknowledged too.
	only := []byte(`{"events":[{"id":"k4","type":"message.created","created_at":"2026-05-01T11:57:00Z","user_id":40}]}`)
	if a := f.post(t, "/webhooks/helpdesk", only, f.v.Sign(only, now)); a.status != 200 || a.result.Suppressed != 1 || a.result.Stored != 0 {
		t.Errorf("got %d %s", a.status, a.raw)
	}
}
