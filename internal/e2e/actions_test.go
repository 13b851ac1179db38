package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
	"github.com/harmonyhq/harmony/internal/store"
)

const sendMessageMutation = `mutation Send($in: SendMessageInput!) {
  sendMessage(input: $in) { messageId status channel source replayed }
}`

// actionPerson returns, from the end of the population, the skip-th person
// known to the helpdesk, the mailing system and system but not to the
// CRM: people the privacy tests (CRM members) and the others (members of
// every system) leave alone.
func actionPerson(t *testing.T, pop *population.Population, system string, skip int) population.Person {
	t.Helper()
	for i := len(pop.People) - 1; i >= 0; i-- {
		p := pop.People[i]
		if p.In(population.CRM) || !p.In(population.Helpdesk) || !p.In(population.Mailing) || !p.In(system) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		return p
	}
	t.Skip("too few people in the helpdesk and the mailing system but not the CRM")
	return population.Person{}
}

// noMailPerson returns a person known to the helpdesk but not to the
// mailing system (nor the CRM): nobody can e-mail them.
func noMailPerson(t *testing.T, pop *population.Population) population.Person {
	t.Helper()
	for i := len(pop.People) - 1; i >= 0; i-- {
		p := pop.People[i]
		if p.In(population.Helpdesk) && !p.In(population.Mailing) && !p.In(population.CRM) {
			return p
		}
	}
	t.Skip("nobody in the helpdesk but not the mailing system")
	return population.Person{}
}

// sentTo counts the messages a simulator sent to key.
func sentTo(sent []simhttp.Sent, key string) int {
	n := 0
	for _, s := range sent {
		if s.Recipient == key {
			n++
		}
	}
	return n
}

type sendPayload struct {
	SendMessage *struct {
		MessageID, Status, Channel, Source string
		Replayed                           bool
	} `json:"sendMessage"`
}

func TestActionSendMessage(t *testing.T) {
	e := boot(t)
	sims := e.demo.Simulators
	tests := []struct {
		name    string
		system  string // the system expected to send
		channel string
		content map[string]any // body, or template and params
		sent    func() []simhttp.Sent
	}{
		{"whatsapp through the helpdesk", population.Helpdesk, "WHATSAPP",
			map[string]any{"body": "Your parcel is on its way"}, sims.Helpdesk.Sent},
		{"transactional e-mail through the mailing system", population.Mailing, "EMAIL",
			map[string]any{"template": "order-shipped", "params": []map[string]string{{"name": "order", "value": "A-1"}}}, sims.Mailing.Sent},
		{"text message through the SMS provider", population.SMS, "SMS",
			map[string]any{"body": "Your parcel is on its way"}, sims.SMS.Sent},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := actionPerson(t, sims.Population(), tt.system, i)
			key := p.Key(tt.system)
			id := externalCustomer(t, e, tt.system, key)
			in := map[string]any{"customerId": id, "channel": tt.channel, "idempotencyKey": "e2e-" + tt.channel}
			for k, v := range tt.content {
				in[k] = v
			}
			before := sentTo(tt.sent(), key)

			// No consent yet: refused, and nothing reaches the system.
			r := e.query(t, sendMessageMutation, map[string]any{"in": in}, nil)
			if got := codes(r)["sendMessage"]; got != "CONSENT_REQUIRED" {
				t.Fatalf("without consent: code %q, errors %+v", got, r.Errors)
			}
			if n := sentTo(tt.sent(), key) - before; n != 0 {
				t.Fatalf("without consent the simulator sent %d messages", n)
			}

			// Consent to service messages on the channel, then send.
			e.mustQuery(t, recordConsentMutation, map[string]any{"in": map[string]any{"customerId": id,
				"purpose": "SERVICE", "channel": tt.channel, "status": "GRANTED", "source": "e2e-form"}}, nil)
			var first sendPayload
			e.mustQuery(t, sendMessageMutation, map[string]any{"in": in}, &first)
			got := first.SendMessage
			if got == nil || got.MessageID == "" || got.Source != tt.system || got.Channel != tt.channel || got.Replayed {
				t.Fatalf("sendMessage = %+v", got)
			}
			if n := sentTo(tt.sent(), key) - before; n != 1 {
				t.Fatalf("the simulator sent %d messages, want 1", n)
			}

			// The same idempotency key sends nothing and answers the first.
			var again sendPayload
			e.mustQuery(t, sendMessageMutation, map[string]any{"in": in}, &again)
			if again.SendMessage == nil || again.SendMessage.MessageID != got.MessageID || !again.SendMessage.Replayed {
				t.Fatalf("repeat = %+v, want message %s replayed", again.SendMessage, got.MessageID)
			}
			if n := sentTo(tt.sent(), key) - before; n != 1 {
				t.Fatalf("after a repeat the simulator sent %d messages, want 1", n)
			}

			// Stored as an outbound interaction of the customer, without
			// the message's text.
			acts, err := e.gw.Store.ActivitiesOf(t.Context(), []string{id}, time.Time{}, time.Time{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			var stored *store.Activity
			for j := range acts[0] {
				if a := acts[0][j]; a.Interaction != nil && a.Interaction.ID == got.MessageID {
					stored = &a
				}
			}
			if stored == nil || stored.Interaction.Direction != "outbound" || stored.Connector != tt.system {
				t.Fatalf("stored activity = %+v", stored)
			}
			if body, ok := tt.content["body"].(string); ok && strings.Contains(stored.Interaction.Summary, body) {
				t.Errorf("the stored summary holds the message's text")
			}

			// The system reports it among the customer's interactions.
			var inter struct {
				Customer struct {
					Interactions []struct {
						ID, Channel, Source string
						Direction           *string
					}
				}
			}
			e.mustQuery(t, `query ($id: ID!) { customer(id: $id) { interactions(first: 5) { id channel source direction } } }`,
				map[string]any{"id": id}, &inter)
			found := false
			for _, it := range inter.Customer.Interactions {
				if it.Source == tt.system && strings.Contains(it.ID, got.MessageID) && it.Direction != nil && *it.Direction == "OUTBOUND" {
					found = true
				}
			}
			if !found {
				t.Errorf("the sent message is not among the interactions: %+v", inter.Customer.Interactions)
			}
			if strings.Contains(e.logs.String(), "Your parcel is on its way") {
				t.Errorf("the message's text was logged")
			}

			// Every sendMessage, refused or not, is audited with the customer.
			if err := e.gw.Audit().Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			entries, err := e.gw.Store.AuditLog(t.Context(), store.AuditQuery{CustomerID: id, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			audited := 0
			for _, en := range entries {
				if slices.Contains(en.Mutations, "Mutation.sendMessage") {
					audited++
				}
			}
			if audited != 3 {
				t.Errorf("%d audited sendMessage operations, want 3", audited)
			}
		})
	}
}

func TestActionSendNoChannel(t *testing.T) {
	e := boot(t)
	sims := e.demo.Simulators
	p := noMailPerson(t, sims.Population())
	id := externalCustomer(t, e, population.Helpdesk, p.Key(population.Helpdesk))
	e.mustQuery(t, recordConsentMutation, map[string]any{"in": map[string]any{"customerId": id,
		"purpose": "SERVICE", "status": "GRANTED", "source": "e2e-form"}}, nil)
	helpdeskBefore, mailingBefore := len(sims.Helpdesk.Sent()), len(sims.Mailing.Sent())
	tests := []struct {
		name, channel string
	}{
		{"not in the mailing system: no e-mail", "EMAIL"},
		{"nobody sends text messages", "SMS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.query(t, sendMessageMutation, map[string]any{"in": map[string]any{"customerId": id,
				"channel": tt.channel, "body": "Hello"}}, nil)
			if got := codes(r)["sendMessage"]; got != "NO_CHANNEL" {
				t.Fatalf("code %q, errors %+v", got, r.Errors)
			}
		})
	}
	if len(sims.Helpdesk.Sent()) != helpdeskBefore || len(sims.Mailing.Sent()) != mailingBefore {
		t.Errorf("a refused message reached a simulator")
	}
}

func TestActionSendBadInput(t *testing.T) {
	e := boot(t)
	tests := []struct {
		name string
		in   map[string]any
		code string
	}{
		{"body and template", map[string]any{"customerId": "cus_x", "channel": "CHAT", "body": "a", "template": "t"}, "BAD_USER_INPUT"},
		{"neither body nor template", map[string]any{"customerId": "cus_x", "channel": "CHAT"}, "BAD_USER_INPUT"},
		{"a channel nobody sends on", map[string]any{"customerId": "cus_x", "channel": "STORE", "body": "a"}, "BAD_USER_INPUT"},
		{"unknown customer", map[string]any{"customerId": "cus_nobody", "channel": "CHAT", "body": "a"}, "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.query(t, sendMessageMutation, map[string]any{"in": tt.in}, nil)
			if got := codes(r)["sendMessage"]; got != tt.code {
				t.Fatalf("code %q, want %s: %+v", got, tt.code, r.Errors)
			}
		})
	}
}
