package rest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/connectors/rest"
)

const (
	sendToken  = "s3cr3t-send-token"
	secretBody = "your one-time code is 4242"
)

// sendVendor is a messaging API: POST /send_many answers every message of
// a batch, POST /send/{key} one message, POST /send_shuffled answers a batch
// in reverse order. User "bad" is refused; "down" makes the batch fail.
type sendVendor struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls int
	seen  []string // the user keys of the messages received
}

type vendorMsg struct {
	User string `json:"user"`
	Text string `json:"text"`
	Idem string `json:"idem"`
}

func newSendVendor(t *testing.T) *sendVendor {
	v := &sendVendor{}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.calls++
		if r.Header.Get("Authorization") != "Bearer "+sendToken {
			http.Error(w, `{}`, http.StatusUnauthorized)
			return
		}
		answer := func(m vendorMsg, n int) string {
			v.seen = append(v.seen, m.User)
			if m.User == "bad" {
				return fmt.Sprintf(`{"idem":%q,"error":"invalid recipient"}`, m.Idem)
			}
			return fmt.Sprintf(`{"id":"m-%s-%d","state":"queued","idem":%q}`, m.User, n, m.Idem)
		}
		switch {
		case r.URL.Path == "/send_many" || r.URL.Path == "/send_shuffled":
			var in struct{ Messages []vendorMsg }
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				http.Error(w, `{}`, http.StatusBadRequest)
				return
			}
			var out []string
			for i, m := range in.Messages {
				if m.User == "down" {
					http.Error(w, `{"error":"`+m.Text+`"}`, http.StatusServiceUnavailable)
					return
				}
				out = append(out, answer(m, i))
			}
			if r.URL.Path == "/send_shuffled" {
				slices.Reverse(out)
			}
			_, _ = w.Write([]byte(`{"results":[` + strings.Join(out, ",") + `]}`))
		case strings.HasPrefix(r.URL.Path, "/send/"):
			var m vendorMsg
			_ = json.NewDecoder(r.Body).Decode(&m)
			m.User = strings.TrimPrefix(r.URL.Path, "/send/")
			switch m.User {
			case "gone":
				v.seen = append(v.seen, m.User)
				http.Error(w, `{"error":"no such user: `+m.Text+`"}`, http.StatusNotFound)
			case "down":
				http.Error(w, `{}`, http.StatusBadGateway)
			default:
				_, _ = w.Write([]byte(answer(m, 0)))
			}
		default:
			http.Error(w, `{}`, http.StatusNotFound)
		}
	}))
	t.Cleanup(v.srv.Close)
	return v
}

const (
	batchSend = `
send:
  path: /send_many
  channels: [whatsapp, chat]
  body: '{"messages": [{{range $i, $m := .Messages}}{{if $i}},{{end}}{"user": {{json $m.CustomerKey}}, "text": {{json $m.Body}}, "idem": {{json $m.IdempotencyKey}}}{{end}}]}'
  records: $.results
  message_id: $.id
  status: $.state
  error: $.error`
	shuffledSend = `
send:
  path: /send_shuffled
  channels: [whatsapp]
  body: '{"messages": [{{range $i, $m := .Messages}}{{if $i}},{{end}}{"user": {{json $m.CustomerKey}}, "text": {{json $m.Body}}, "idem": {{json $m.IdempotencyKey}}}{{end}}]}'
  records: $.results
  idempotency_key: $.idem
  message_id: $.id
  status: $.state
  error: $.error`
	perMessageSend = `
send:
  path: '/send/{{.Key}}'
  per_message: true
  channels: [email]
  body: '{"text": {{json .Message.Body}}, "idem": {{json .Message.IdempotencyKey}}}'
  message_id: $.id`
)

func msg(key, channel string) connectors.OutboundMessage {
	return connectors.OutboundMessage{CustomerKey: key, Channel: channel, Body: secretBody, IdempotencyKey: "idem-" + key}
}

func TestSendMessages(t *testing.T) {
	type want struct {
		id, status string
		code       connectors.Code // of the message's Err, "" for none
	}
	tests := []struct {
		name    string
		cfg     string
		msgs    []connectors.OutboundMessage
		want    []want
		wantErr connectors.Code // of the whole batch
		calls   int
	}{
		{"batch aligned by index", batchSend,
			[]connectors.OutboundMessage{msg("1", "whatsapp"), msg("2", "chat")},
			[]want{{"m-1-0", "queued", ""}, {"m-2-1", "queued", ""}}, "", 1},
		{"batch aligned by idempotency key", shuffledSend,
			[]connectors.OutboundMessage{msg("1", "whatsapp"), msg("2", "whatsapp"), msg("3", "whatsapp")},
			[]want{{"m-1-0", "queued", ""}, {"m-2-1", "queued", ""}, {"m-3-2", "queued", ""}}, "", 1},
		{"per-message refusal in a batch", batchSend,
			[]connectors.OutboundMessage{msg("1", "whatsapp"), msg("bad", "whatsapp"), msg("2", "whatsapp")},
			[]want{{"m-1-0", "queued", ""}, {"", "", connectors.CodeRejected}, {"m-2-2", "queued", ""}}, "", 1},
		{"channel not reached is refused without a call", batchSend,
			[]connectors.OutboundMessage{msg("1", "email")},
			[]want{{"", "", connectors.CodeRejected}}, "", 0},
		{"channel not reached is left out of the batch", batchSend,
			[]connectors.OutboundMessage{msg("1", "sms"), msg("2", "chat")},
			[]want{{"", "", connectors.CodeRejected}, {"m-2-0", "queued", ""}}, "", 1},
		{"whole batch fails", batchSend,
			[]connectors.OutboundMessage{msg("1", "whatsapp"), msg("down", "whatsapp")},
			nil, connectors.CodeUnavailable, 1},
		{"per message: default status, 404 refuses one", perMessageSend,
			[]connectors.OutboundMessage{msg("1", "email"), msg("gone", "email")},
			[]want{{"m-1-0", rest.DefaultSendStatus, ""}, {"", "", connectors.CodeRejected}}, "", 2},
		{"per message: 5xx fails the batch", perMessageSend,
			[]connectors.OutboundMessage{msg("down", "email")},
			nil, connectors.CodeUnavailable, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newSendVendor(t)
			c := connectortest.Build(t, "rest", "base_url: "+v.srv.URL+"\nauth: { type: bearer, token: "+sendToken+" }"+tt.cfg, connectors.Env{})
			if !slices.Contains(connectors.Capabilities(c), connectors.CapSend) {
				t.Fatalf("capabilities = %v", connectors.Capabilities(c))
			}
			got, err := c.(connectors.MessageSender).SendMessages(context.Background(), tt.msgs)
			if v.calls != tt.calls {
				t.Errorf("%d requests, want %d", v.calls, tt.calls)
			}
			if tt.wantErr != "" {
				if connectors.CodeOf(err) != tt.wantErr {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				noLeak(t, err.Error())
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.msgs) {
				t.Fatalf("%d results for %d messages", len(got), len(tt.msgs))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.MessageID != w.id || g.Status != w.status || (g.Err == nil) != (w.code == "") || (g.Err != nil && g.Err.Code != w.code) {
					t.Errorf("result[%d] = %+v (err %v), want %+v", i, g, g.Err, w)
				}
				if g.Err != nil {
					noLeak(t, g.Err.Error())
				}
			}
		})
	}
}

// noLeak fails when text carries the credential or the message's content.
func noLeak(t *testing.T, text string) {
	t.Helper()
	for _, secret := range []string{sendToken, secretBody, "invalid recipient", "no such user"} {
		if strings.Contains(text, secret) {
			t.Errorf("%q reveals %q", text, secret)
		}
	}
}

func TestSendRedactsSecrets(t *testing.T) {
	v := newSendVendor(t)
	c := connectortest.Build(t, "rest", "base_url: "+v.srv.URL+"\nauth: { type: bearer, token: "+sendToken+" }"+batchSend, connectors.Env{})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		printed := fmt.Sprintf(verb, c)
		noLeak(t, printed)
		if !strings.Contains(printed, "send") {
			t.Errorf("%s = %q does not list the send capability", verb, printed)
		}
	}
	// A refused credential is reported without it, or the message.
	bad := connectortest.Build(t, "rest", "base_url: "+v.srv.URL+"\nauth: { type: bearer, token: wrong-"+sendToken+" }"+batchSend, connectors.Env{})
	_, err := bad.(connectors.MessageSender).SendMessages(context.Background(), []connectors.OutboundMessage{msg("1", "chat")})
	if connectors.CodeOf(err) != connectors.CodeUnauthorized {
		t.Fatalf("error = %v, want %s", err, connectors.CodeUnauthorized)
	}
	noLeak(t, err.Error())
}

func TestSendConfigErrors(t *testing.T) {
	tests := []struct {
		name, cfg, key string
	}{
		{"channels required", "send: { path: '/s/{{.Key}}', per_message: true, message_id: $.id }", "send.channels"},
		{"unknown channel", "send: { path: '/s/{{.Key}}', per_message: true, channels: [fax], message_id: $.id }", "send.channels[0]"},
		{"repeated channel", "send: { path: '/s/{{.Key}}', per_message: true, channels: [sms, sms], message_id: $.id }", "send.channels[1]"},
		{"message_id required", "send: { path: '/s/{{.Key}}', per_message: true, channels: [sms] }", "send.message_id"},
		{"batch needs records", "send: { path: /s, body: '{{json .Messages}}', channels: [sms], message_id: $.id }", "send.records"},
		{"batch must use the messages", "send: { path: /s, body: '{}', channels: [sms], records: $.r, message_id: $.id }", "send.path"},
		{"per message must use the message", "send: { path: /s, per_message: true, body: '{}', channels: [sms], message_id: $.id }", "send.path"},
		{"no GET", "send: { method: GET, path: '/s/{{.Key}}', per_message: true, channels: [sms], message_id: $.id }", "send.method"},
		{"bad template field", "send: { path: '/s/{{.Message.Nope}}', per_message: true, channels: [sms], message_id: $.id }", "send.path"},
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
