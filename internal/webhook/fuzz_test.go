package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/webhook"
)

// boundedStore dedupes like memStore but forgets everything past a size,
// so a long fuzzing run does not grow.
type boundedStore struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (s *boundedStore) AddActivities(_ context.Context, as []store.Activity) ([]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil || len(s.seen) > 10_000 {
		s.seen = map[string]bool{}
	}
	out := make([]bool, len(as))
	for i, a := range as {
		if a.ID == "" || a.EventID == "" {
			panic("stored an event without an ID")
		}
		out[i] = !s.seen[a.ID]
		s.seen[a.ID] = true
	}
	return out, nil
}

// The fixed messages an error answer may carry: nothing from the request.
var errorMessages = []string{
	"no webhook is configured for this connector",
	"the body is too large",
	"the body could not be read",
	webhook.ErrMissingSignature.Error(),
	webhook.ErrBadSignature.Error(),
	webhook.ErrStaleSignature.Error(),
	"the body is not a delivery this connector understands",
	"an event has no valid id",
	"an event has a time out of range",
	"a delivery carries at most 20 events",
}

// FuzzWebhookParse sends arbitrary bodies and headers through the
// signature check and the rest kind's event parser, signed (so the parser
// runs) or with the given signature. Invariants: no panic; only 200, 400,
// 401 and 413 (the store never fails here, so never a 5xx); every answer is
// either counts or a fixed error, so it never echoes the body.
func FuzzWebhookParse(f *testing.F) {
	f.Add([]byte(`{"events":[{"id":"e1","type":"message.created","created_at":"2026-05-01T11:59:00Z","user_id":40,"message":{"id":"m1","channel":"chat","preview":"hi"}}]}`), "", "", true)
	f.Add([]byte(`{"events":[{"id":"e1"},{"id":"e1"}]}`), "", "", true)
	f.Add([]byte(`{"events":{"id":"solo","email":"Ana@Example.com"}}`), "", "", true)
	f.Add([]byte(`{"events":[{"id":"x","message":{"id":"m"},"created_at":"99999-01-01T00:00:00Z"}]}`), "", "", true)
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[`), "", "", true)
	f.Add([]byte(`{"events":[{"id":"e\u0000"}]}`), "", "", true)
	f.Add([]byte(`{"events":[{"id":"ok"}]}`), "sha256=00", "1777636800", false)
	f.Add([]byte(``), "", "", false)

	h := webhook.New(webhook.Options{Endpoints: []webhook.Endpoint{fuzzEndpoint(f)}, Store: &boundedStore{},
		Resolver: keyResolver{}, Now: func() time.Time { return now }})
	f.Fuzz(func(t *testing.T, body []byte, signature, timestamp string, sign bool) {
		req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/webhooks/helpdesk", bytes.NewReader(body))
		req.SetPathValue("connector", "helpdesk")
		if sign {
			for k, v := range fuzzVerifier.Sign(body, now) {
				req.Header[k] = v
			}
		} else {
			req.Header.Set("X-Signature", signature)
			req.Header.Set("X-Timestamp", timestamp)
		}
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("one delivery of %d bytes took %v", len(body), d)
		}
		switch rec.Code {
		case 200, 400, 401, 413:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		var answer struct {
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
			webhook.Result
		}
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&answer); err != nil {
			t.Fatalf("answer %q is not a known shape: %v", rec.Body.String(), err)
		}
		if rec.Code != 200 {
			if answer.Error == nil || !slices.Contains(errorMessages, answer.Error.Message) {
				t.Fatalf("error answer %q is not a fixed one", rec.Body.String())
			}
			return
		}
		if answer.Error != nil || answer.Stored+answer.Duplicates != answer.Received {
			t.Fatalf("success answer %q does not add up", rec.Body.String())
		}
	})
}

var fuzzVerifier *webhook.Verifier

func fuzzEndpoint(f *testing.F) webhook.Endpoint {
	ep, err := webhook.NewEndpoint("helpdesk", config.Webhook{Secret: secret, MaxBodyBytes: 64 << 10, MaxEvents: 20,
		Signature: config.WebhookSignature{Prefix: "sha256=", TimestampHeader: "X-Timestamp"}}, restConnector(f))
	if err != nil {
		f.Fatal(err)
	}
	fuzzVerifier = ep.Verifier
	return ep
}
