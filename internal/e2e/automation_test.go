package e2e

import (
	"context"
	"testing"
	"time"
)

const recordInteractionMutation = `mutation Record($in: RecordInteractionInput!) {
  recordInteraction(input: $in) { id }
}`

// A recorded interaction and a sent message reach the customer's
// customerActivity subscribers, as webhook events do.
func TestSubscriptionsReceiveRecordedAndSent(t *testing.T) {
	e := boot(t)
	_, customer := helpdeskCustomer(t.Context(), t, e.gw, e.demo.Simulators.Population())
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	listeners := busSubscribers(t, e.gw)
	sub := subscribeWS(ctx, t, e.srv.URL, customerActivityQuery, map[string]any{"id": customer})
	// An event published before the subscription reaches the bus would
	// be missed: wait for it to listen.
	waitUntil(t, "the subscription listens", func() bool { return busSubscribers(t, e.gw) >= listeners+1 })

	e.mustQuery(t, recordInteractionMutation, map[string]any{"in": map[string]any{"customerId": customer,
		"channel": "STORE", "type": "VISIT", "summary": "visited the Lyon store", "clientId": "e2e-visit-1"}}, nil)
	a := sub.next(t).Data.CustomerActivity
	if a.Source != "harmony" || a.CustomerID != customer || a.Channel != "STORE" || a.Summary != "visited the Lyon store" {
		t.Fatalf("recorded interaction received as %+v", a)
	}

	e.mustQuery(t, recordConsentMutation, map[string]any{"in": map[string]any{"customerId": customer,
		"purpose": "SERVICE", "channel": "WHATSAPP", "status": "GRANTED", "source": "e2e-form"}}, nil)
	e.mustQuery(t, sendMessageMutation, map[string]any{"in": map[string]any{"customerId": customer, "channel": "WHATSAPP",
		"template": "order_update", "idempotencyKey": "e2e-sub-1"}}, nil)
	a = sub.next(t).Data.CustomerActivity
	if a.Source != "helpdesk" || a.CustomerID != customer || a.Channel != "WHATSAPP" || a.Summary != "Template order_update" {
		t.Fatalf("sent message received as %+v", a)
	}
}
