package helpdesk_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/helpdesk"
)

// TestSendsSignedWebhooks: the control endpoint sends a message.created
// delivery signed as Zendesk signs: base64 HMAC-SHA256 of the timestamp
// followed by the body.
func TestSendsSignedWebhooks(t *testing.T) {
	s, _ := start(t, 20)
	got := make(chan helpdesk.Delivery, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get(helpdesk.SignatureTimestampHeader)
		mac := hmac.New(sha256.New, []byte(helpdesk.DefaultWebhookSecret))
		mac.Write([]byte(ts))
		mac.Write(body)
		sig, _ := base64.StdEncoding.DecodeString(r.Header.Get(helpdesk.SignatureHeader))
		if at, err := time.Parse(time.RFC3339, ts); err != nil || time.Since(at) > time.Minute || !hmac.Equal(sig, mac.Sum(nil)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var d helpdesk.Delivery
		_ = json.Unmarshal(body, &d)
		got <- d
	}))
	defer receiver.Close()

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/api/v2/_sim/webhooks/message",
		strings.NewReader(`{"user_id": 7, "channel": "whatsapp", "preview": "hello"}`))
	req.SetBasicAuth(opts.User(), opts.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("without a webhook URL: status %d, want 502", resp.StatusCode)
	}

	s.SetWebhook(receiver.URL)
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/api/v2/_sim/webhooks/message",
		strings.NewReader(`{"user_id": 7, "channel": "whatsapp", "preview": "hello"}`))
	req.SetBasicAuth(opts.User(), opts.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || out["status"] != "200" || out["event_id"] == "" {
		t.Fatalf("send: %d %v", resp.StatusCode, out)
	}
	d := <-got
	if len(d.Events) != 1 || d.Events[0].ID != out["event_id"] || d.Events[0].UserID != 7 || d.Events[0].Type != "message.created" ||
		d.Events[0].Message.Channel != "whatsapp" {
		t.Errorf("delivered %+v", d)
	}
	if s.Count("webhooks.send") != 2 {
		t.Errorf("webhooks.send counted %d", s.Count("webhooks.send"))
	}
}
