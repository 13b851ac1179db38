package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// TestConsoleRecommendationsAndTranscript opens the demo customer's page
// before and after they consent to personalisation: first the
// recommendations say there is no consent and list nothing, then they
// list products, each with its reason; and a conversation's transcript
// shows its messages with their authors.
func TestConsoleRecommendationsAndTranscript(t *testing.T) {
	chromium := browserPrereqs(t)
	e := boot(t)
	id, err := lookupPhone(t.Context(), e.srv.URL, e.phone)
	if err != nil || id == "" {
		t.Fatalf("the demo customer is not found by phone: %v", err)
	}
	runCheck(t, chromium, "recs", e, map[string]string{"HARMONY_CONSOLE_RECS": "NO_CONSENT"})
	consent(t.Context(), t, e.srv.URL, id, "GRANTED")
	// The other tests of the shared demo see the customer as before.
	t.Cleanup(func() { consent(context.Background(), t, e.srv.URL, id, "WITHDRAWN") })
	runCheck(t, chromium, "recs", e, map[string]string{"HARMONY_CONSOLE_RECS": "OK"})
}

// consent records the customer's personalisation consent.
func consent(ctx context.Context, t *testing.T, base, id, status string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"query": `mutation ($in: RecordConsentInput!) { recordConsent(input: $in) { id } }`,
		"variables": map[string]any{"in": map[string]any{"customerId": id, "purpose": "PERSONALIZATION",
			"status": status, "source": "console test"}},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 || resp.StatusCode != http.StatusOK {
		t.Fatalf("record consent: status %d, %d errors, %v", resp.StatusCode, len(out.Errors), err)
	}
}
