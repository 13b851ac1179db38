package helpdesk

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// DefaultWebhookSecret signs the demo's webhook deliveries.
const DefaultWebhookSecret = "demo-helpdesk-webhook-secret"

// Webhook signature headers, as Zendesk names them: the signature is the
// base64 HMAC-SHA256 of the timestamp followed by the body.
const (
	SignatureHeader          = "X-Zendesk-Webhook-Signature"
	SignatureTimestampHeader = "X-Zendesk-Webhook-Signature-Timestamp"
)

// WebhookEvent is one event of a webhook delivery.
type WebhookEvent struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"` // "message.created"
	CreatedAt string         `json:"created_at"`
	UserID    int64          `json:"user_id"`
	Message   WebhookMessage `json:"message"`
}

// WebhookMessage is the message a message.created event reports.
type WebhookMessage struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	Channel        string `json:"channel"` // chat, whatsapp, email
	Direction      string `json:"direction"`
	Preview        string `json:"preview"`
	ThreadRef      string `json:"thread_ref"`
}

// Delivery is the body of a webhook POST.
type Delivery struct {
	Events []WebhookEvent `json:"events"`
}

// webhooks is where the simulator sends events.
type webhooks struct {
	mu     sync.Mutex
	url    string
	secret []byte
	client *http.Client
	seq    atomic.Int64
}

// SetWebhook sets the URL webhook deliveries are POSTed to (the gateway's
// /webhooks/helpdesk).
func (s *Server) SetWebhook(url string) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.url = url
}

// NewMessageEvent returns a message.created event of a user with a fresh
// event ID.
func (s *Server) NewMessageEvent(userID int64, channel, preview string, at time.Time) WebhookEvent {
	n := s.hooks.seq.Add(1)
	return WebhookEvent{
		ID: fmt.Sprintf("whk_%d_%d", at.UnixNano(), n), Type: "message.created", CreatedAt: simhttp.RFC3339(at), UserID: userID,
		Message: WebhookMessage{ID: fmt.Sprintf("msg_%d_%d", at.UnixNano(), n), ConversationID: fmt.Sprintf("cv_live_%d", userID),
			Channel: channel, Direction: "inbound", Preview: preview, ThreadRef: fmt.Sprintf("thr_live_%d", userID)},
	}
}

// Sign returns the signature headers of body at t.
func Sign(secret string, body []byte, t time.Time) http.Header {
	ts := t.UTC().Format(time.RFC3339)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write(body)
	h := http.Header{}
	h.Set(SignatureHeader, base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	h.Set(SignatureTimestampHeader, ts)
	return h
}

// SendWebhook POSTs one signed delivery of events to the webhook URL and
// returns the status the receiver answered.
func (s *Server) SendWebhook(ctx context.Context, events ...WebhookEvent) (int, error) {
	s.hooks.mu.Lock()
	url := s.hooks.url
	s.hooks.mu.Unlock()
	if url == "" {
		return 0, errors.New("helpdesk simulator: no webhook URL set")
	}
	body, err := json.Marshal(Delivery{Events: events})
	if err != nil {
		return 0, fmt.Errorf("helpdesk simulator: encode delivery: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("helpdesk simulator: webhook request: %w", err)
	}
	for k, v := range Sign(string(s.hooks.secret), body, time.Now()) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hooks.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("helpdesk simulator: send webhook: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}

// sendRequest is the body of POST /api/v2/_sim/webhooks/message.
type sendRequest struct {
	UserID  int64  `json:"user_id"`
	Channel string `json:"channel"`
	Preview string `json:"preview"`
}

// sendMessage posts a message.created event of a user to the webhook URL,
// so a demo can show realtime activity.
func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) {
	var in sendRequest
	if err := simhttp.DecodeJSON(w, r, &in); err != nil || in.UserID <= 0 {
		simhttp.WriteError(w, http.StatusBadRequest, "bad_request", "body must be {\"user_id\": N, \"channel\": \"chat\", \"preview\": \"...\"}")
		return
	}
	if in.Channel == "" {
		in.Channel = "chat"
	}
	ev := s.NewMessageEvent(in.UserID, in.Channel, in.Preview, time.Now())
	status, err := s.SendWebhook(r.Context(), ev)
	if err != nil {
		simhttp.WriteError(w, http.StatusBadGateway, "webhook_failed", "the delivery could not be sent")
		return
	}
	simhttp.WriteJSON(w, http.StatusOK, map[string]string{"event_id": ev.ID, "status": strconv.Itoa(status)})
}
