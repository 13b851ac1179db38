package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

const messagesConfig = `
base_url: %s
messages:
  path: /messages
  query: { ids: '{{join .Keys ","}}' }
  records: $.messages
  thread: $.conv
  id: $.id
  sent_at: $.at
  author: $.who
  author_values: { end_user: customer, staff: agent, "*": bot }
  channel: $.via
  channel_values: { web_chat: chat }
  text: $.body
`

// A vendor answering every message of every conversation it is asked
// about, out of order, with a conversation it was not asked about.
func TestMessagesOneRequestPerBatch(t *testing.T) {
	var calls atomic.Int32
	var asked atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		asked.Store(r.URL.Query().Get("ids"))
		fmt.Fprint(w, `{"messages": [
		  {"conv": "c2", "id": "m3", "at": "2026-05-01T10:02:00Z", "who": "staff", "via": "whatsapp", "body": "on it"},
		  {"conv": "c1", "id": "m2", "at": "2026-05-01T10:01:00Z", "who": "helper-bot", "via": "web_chat", "body": "hello"},
		  {"conv": "c1", "id": "m1", "at": "2026-05-01T10:00:00Z", "who": "end_user", "via": "web_chat", "body": "hi"},
		  {"conv": "zz", "id": "m9", "at": "2026-05-01T10:00:00Z", "who": "end_user", "body": "not asked"}
		]}`)
	}))
	t.Cleanup(srv.Close)
	c := build(t, fmt.Sprintf(messagesConfig, srv.URL), srv.Client())
	if caps := connectors.Capabilities(c); !strings.Contains(fmt.Sprint(caps), "messages") {
		t.Fatalf("capabilities %v lack messages", caps)
	}
	out, err := c.Messages(context.Background(), []string{"c1", "c2", "c3"})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || asked.Load() != "c1,c2,c3" {
		t.Errorf("%d calls asking %v, want one asking c1,c2,c3", calls.Load(), asked.Load())
	}
	var got []string
	for i, list := range out {
		for _, m := range list {
			got = append(got, fmt.Sprintf("%d:%s/%s/%s/%s/%s", i, m.Thread, m.ID, m.Author, m.Channel, m.Text))
		}
	}
	want := "[0:c1/m1/customer/chat/hi 0:c1/m2/bot/chat/hello 1:c2/m3/agent/whatsapp/on it]"
	if fmt.Sprint(got) != want || len(out) != 3 || out[2] == nil || len(out[2]) != 0 {
		t.Errorf("messages %v (%d lists), want %s and an empty list for c3", got, len(out), want)
	}
}

func TestMessagesConfigErrors(t *testing.T) {
	for _, tc := range []struct{ drop, key string }{
		{"  thread: $.conv\n", "messages.thread"},
		{"  id: $.id\n", "messages.id"},
		{"  sent_at: $.at\n", "messages.sent_at"},
		{"  query: { ids: '{{join .Keys \",\"}}' }\n", "messages.path"},
	} {
		cfg := strings.Replace(fmt.Sprintf(messagesConfig, "http://127.0.0.1:1"), tc.drop, "", 1)
		c, err := connectortest.TryBuild("rest", cfg, connectors.Env{})
		if err == nil {
			_ = c.Close()
			t.Errorf("without %q: built", strings.TrimSpace(tc.drop))
			continue
		}
		if !strings.Contains(err.Error(), tc.key) {
			t.Errorf("without %q: error %v does not name %s", strings.TrimSpace(tc.drop), err, tc.key)
		}
	}
	bad := strings.Replace(fmt.Sprintf(messagesConfig, "http://127.0.0.1:1"), `"*": bot`, `"*": robot`, 1)
	if c, err := connectortest.TryBuild("rest", bad, connectors.Env{}); err == nil {
		_ = c.Close()
		t.Error("an author value that is not customer, agent or bot was accepted")
	}
}
