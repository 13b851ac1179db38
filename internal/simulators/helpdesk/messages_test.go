package helpdesk_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/helpdesk"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

func TestSendMany(t *testing.T) {
	s, pop := start(t, 20)
	user := pop.Members(population.Helpdesk)[0].Key(population.Helpdesk)
	send := func(msgs ...helpdesk.OutboundMessage) []helpdesk.SendResult {
		req := simtest.NewRequest(t, http.MethodPost, s.URL()+"/api/v2/messages/send_many.json", map[string]any{"messages": msgs})
		req.SetBasicAuth(opts.User(), opts.Token)
		var out struct{ Results []helpdesk.SendResult }
		simtest.DoJSON(t, req, http.StatusOK, &out)
		return out.Results
	}
	tests := []struct {
		name    string
		msg     helpdesk.OutboundMessage
		wantErr string
		sent    int // messages sent in total after it
	}{
		{"whatsapp", helpdesk.OutboundMessage{UserID: user, Channel: "whatsapp", Body: "hi", IdempotencyKey: "k1"}, "", 1},
		{"repeated key is not sent again", helpdesk.OutboundMessage{UserID: user, Channel: "whatsapp", Body: "hi", IdempotencyKey: "k1"}, "", 1},
		{"chat template", helpdesk.OutboundMessage{UserID: user, Channel: "chat", Template: "t", IdempotencyKey: "k2"}, "", 2},
		{"unknown user", helpdesk.OutboundMessage{UserID: "999999999", Channel: "chat", Body: "hi"}, "unknown_user", 2},
		{"no e-mail", helpdesk.OutboundMessage{UserID: user, Channel: "email", Body: "hi"}, "unsupported_channel", 2},
		{"empty", helpdesk.OutboundMessage{UserID: user, Channel: "chat"}, "empty_message", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := send(tt.msg)
			if len(res) != 1 || res[0].Error != tt.wantErr || (tt.wantErr == "") != (res[0].ID != "") {
				t.Fatalf("results = %+v, want error %q", res, tt.wantErr)
			}
			if got := len(s.Sent()); got != tt.sent {
				t.Errorf("%d sent, want %d", got, tt.sent)
			}
		})
	}
	// The sent messages are the user's newest conversations, outbound.
	var convs struct{ Conversations []helpdesk.Conversation }
	simtest.DoJSON(t, get(t, s, "/api/v2/conversations.json", url.Values{"user_ids": {user}, "per_user": {"2"}}), http.StatusOK, &convs)
	if len(convs.Conversations) != 2 {
		t.Fatalf("conversations = %+v", convs.Conversations)
	}
	for _, c := range convs.Conversations {
		if c.Direction != "outbound" || c.Subject == "hi" {
			t.Errorf("conversation %+v is not an outbound message without content", c)
		}
	}
}
