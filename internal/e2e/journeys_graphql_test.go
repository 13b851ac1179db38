package e2e

import (
	"slices"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/store"
)

const journeysQuery = `{ journeys { id enabled delaySeconds delay conditions limits
  trigger { kind description everySeconds }
  action { kind template channels purpose description }
  counts { triggered sent converted conversionWindowSeconds skipped { reason count } } } }`

const journeyRunsQuery = `query Runs($id: ID!, $after: String) { customer(id: $id) {
  journeyRuns(first: 1, after: $after) {
    edges { cursor node { id journeyId journey { id } status step channel source messageId reason notes trigger triggeredAt dueAt doneAt } }
    pageInfo { hasNextPage endCursor } } } }`

type journeyRunView struct {
	ID        string `json:"id"`
	JourneyID string `json:"journeyId"`
	Journey   *struct {
		ID string `json:"id"`
	} `json:"journey"`
	Status  string    `json:"status"`
	Step    string    `json:"step"`
	Reason  *string   `json:"reason"`
	Notes   []string  `json:"notes"`
	Trigger string    `json:"trigger"`
	DueAt   time.Time `json:"dueAt"`
}

type journeyRunsPage struct {
	Customer struct {
		JourneyRuns struct {
			Edges []struct {
				Cursor string         `json:"cursor"`
				Node   journeyRunView `json:"node"`
			} `json:"edges"`
			PageInfo struct {
				HasNextPage bool    `json:"hasNextPage"`
				EndCursor   *string `json:"endCursor"`
			} `json:"pageInfo"`
		} `json:"journeyRuns"`
	} `json:"customer"`
}

// allRuns pages through a customer's journey runs one at a time.
func allRuns(t *testing.T, e *env, customer string) []journeyRunView {
	t.Helper()
	var out []journeyRunView
	var after *string
	for {
		var page journeyRunsPage
		e.mustQuery(t, journeyRunsQuery, map[string]any{"id": customer, "after": after}, &page)
		for _, edge := range page.Customer.JourneyRuns.Edges {
			out = append(out, edge.Node)
		}
		if !page.Customer.JourneyRuns.PageInfo.HasNextPage {
			return out
		}
		after = page.Customer.JourneyRuns.PageInfo.EndCursor
	}
}

// The demo's journeys are listed and explained; an abandoned cart and an
// NPS answer recorded through the gateway start runs that the customer's
// journeyRuns pages through and the counters count; simulateJourney says
// what would happen; and the runs of a page of customers are one batched
// store read.
func TestJourneysThroughGraphQL(t *testing.T) {
	e := boot(t)
	var list struct {
		Journeys []struct {
			ID      string `json:"id"`
			Enabled bool   `json:"enabled"`
			Trigger struct {
				Kind         string `json:"kind"`
				Description  string `json:"description"`
				EverySeconds *int   `json:"everySeconds"`
			} `json:"trigger"`
			Action struct {
				Kind     string   `json:"kind"`
				Channels []string `json:"channels"`
				Purpose  string   `json:"purpose"`
			} `json:"action"`
			Conditions   []string `json:"conditions"`
			DelaySeconds int      `json:"delaySeconds"`
			Limits       []string `json:"limits"`
		} `json:"journeys"`
	}
	e.mustQuery(t, journeysQuery, nil, &list)
	want := map[string]struct {
		trigger, action, purpose string
		channels                 []string
		delay                    int
	}{
		"cart-abandoned-app":     {"EVENT", "MESSAGE", "MARKETING", []string{"WHATSAPP", "SMS"}, 3600},
		"nps-detractor-callback": {"EVENT", "CALLBACK", "SERVICE", []string{"PHONE"}, 0},
		"winback-90-days":        {"SCHEDULE", "MESSAGE", "MARKETING", []string{"EMAIL"}, 0},
	}
	if len(list.Journeys) != len(want) {
		t.Fatalf("journeys = %+v, want the demo's %d", list.Journeys, len(want))
	}
	for _, j := range list.Journeys {
		w, ok := want[j.ID]
		if !ok || !j.Enabled || j.Trigger.Kind != w.trigger || j.Action.Kind != w.action || j.Action.Purpose != w.purpose ||
			len(j.Action.Channels) != len(w.channels) || j.Action.Channels[0] != w.channels[0] || j.DelaySeconds != w.delay ||
			j.Trigger.Description == "" || len(j.Conditions) == 0 {
			t.Errorf("journey %+v, want %+v", j, w)
		}
		if (j.Trigger.Kind == "SCHEDULE") != (j.Trigger.EverySeconds != nil) {
			t.Errorf("journey %s: everySeconds %v for a %s trigger", j.ID, j.Trigger.EverySeconds, j.Trigger.Kind)
		}
	}

	var page struct {
		Customers struct {
			Edges []struct{ Node struct{ ID string } } `json:"edges"`
		} `json:"customers"`
	}
	e.mustQuery(t, `{ customers(first: 40) { edges { node { id } } } }`, nil, &page)
	if len(page.Customers.Edges) < 40 {
		t.Fatalf("%d customers", len(page.Customers.Edges))
	}
	customer := page.Customers.Edges[37].Node.ID

	before := journeyCounts(t, e, "cart-abandoned-app")
	e.mustQuery(t, recordConsentMutation, map[string]any{"in": map[string]any{"customerId": customer,
		"purpose": "MARKETING", "channel": "WHATSAPP", "status": "GRANTED", "source": "e2e-journeys"}}, nil)
	record := func(clientID string, attrs map[string]string) {
		var in []map[string]any
		for k, v := range attrs {
			in = append(in, map[string]any{"name": k, "value": v})
		}
		e.mustQuery(t, recordInteractionMutation, map[string]any{"in": map[string]any{"customerId": customer,
			"channel": "APP", "type": "OTHER", "summary": "journey test", "attributes": in, "clientId": clientID}}, nil)
	}
	record("e2e-cart-1", map[string]string{"event": "cart_abandoned"})
	record("e2e-cart-1", map[string]string{"event": "cart_abandoned"}) // the same record: one run
	record("e2e-nps-1", map[string]string{"nps": "3"})

	// The engine hears the events on the bus: wait for both runs.
	var runs []journeyRunView
	deadline := time.Now().Add(20 * time.Second)
	for len(runs) < 2 && time.Now().Before(deadline) {
		runs = allRuns(t, e, customer)
		if len(runs) < 2 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(runs) != 2 {
		t.Fatalf("runs = %+v, want one per journey triggered", runs)
	}
	byJourney := map[string]journeyRunView{}
	for _, r := range runs {
		byJourney[r.JourneyID] = r
		if r.Journey == nil || r.Journey.ID != r.JourneyID || len(r.Trigger) < 4 || r.Trigger[:4] != "act_" {
			t.Errorf("run %+v: journey or trigger wrong", r)
		}
	}
	cart, nps := byJourney["cart-abandoned-app"], byJourney["nps-detractor-callback"]
	if cart.Status != "PENDING" || cart.Step == "" || cart.DueAt.IsZero() {
		t.Errorf("cart run %+v, want pending for its hour of delay", cart)
	}
	// The customer never consented to service calls: skipped at the trigger.
	if nps.Status != "SKIPPED" || nps.Reason == nil || *nps.Reason != "consent" || nps.Step != "skipped: consent" {
		t.Errorf("NPS run %+v, want skipped for consent", nps)
	}
	after := journeyCounts(t, e, "cart-abandoned-app")
	if after.Triggered != before.Triggered+1 {
		t.Errorf("cart triggered %d then %d, want one more", before.Triggered, after.Triggered)
	}

	var sim struct {
		S struct {
			WouldSend bool      `json:"wouldSend"`
			Channel   *string   `json:"channel"`
			Source    *string   `json:"source"`
			Reason    *string   `json:"reason"`
			At        time.Time `json:"at"`
			Steps     []string  `json:"steps"`
		} `json:"simulateJourney"`
	}
	e.mustQuery(t, `query($c: ID!) { simulateJourney(id: "nps-detractor-callback", customerId: $c) { wouldSend channel source reason at steps } }`,
		map[string]any{"c": customer}, &sim)
	if sim.S.WouldSend || sim.S.Reason == nil || *sim.S.Reason != "consent" || len(sim.S.Steps) == 0 {
		t.Errorf("simulated NPS callback %+v, want no send for consent", sim.S)
	}
	e.mustQuery(t, `query($c: ID!) { simulateJourney(id: "cart-abandoned-app", customerId: $c) { wouldSend channel source reason at steps } }`,
		map[string]any{"c": customer}, &sim)
	if len(sim.S.Steps) < 2 || sim.S.At.Before(time.Now().Add(59*time.Minute)) {
		t.Errorf("simulated cart reminder %+v, want the steps checked and a time after the delay", sim.S)
	}
	if sim.S.WouldSend && (sim.S.Channel == nil || *sim.S.Channel != "WHATSAPP" || sim.S.Source == nil) {
		t.Errorf("simulated cart reminder %+v, want WhatsApp, the channel consented to", sim.S)
	}
	if counts := journeyCounts(t, e, "cart-abandoned-app"); counts.Triggered != after.Triggered {
		t.Errorf("a simulation counted: %+v", counts)
	}
	for _, q := range []string{
		`{ simulateJourney(id: "no-such-journey", customerId: "cus_x") { wouldSend } }`,
		`{ simulateJourney(id: "cart-abandoned-app", customerId: "cus_nobody") { wouldSend } }`,
	} {
		if c := codes(e.query(t, q, nil, nil))["simulateJourney"]; c != "NOT_FOUND" {
			t.Errorf("%s: code %q, want NOT_FOUND", q, c)
		}
	}

	// A page of customers asks each for its runs: one batched read.
	for _, n := range []int{1, 10, 40} {
		reads, scans := e.gw.Automation().RunReads(), e.gw.Store.Scans("journey_state")
		var out struct {
			Customers struct {
				Edges []struct {
					Node struct {
						ID          string `json:"id"`
						JourneyRuns struct {
							Edges []struct{ Node struct{ ID string } } `json:"edges"`
						} `json:"journeyRuns"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"customers"`
		}
		e.mustQuery(t, `query($n: Int!) { customers(first: $n) { edges { node { id consents { purpose } journeyRuns(first: 5) { edges { node { id status } } } } } } }`,
			map[string]any{"n": n}, &out)
		found := 0
		for _, edge := range out.Customers.Edges {
			if edge.Node.ID == customer {
				found = len(edge.Node.JourneyRuns.Edges)
			}
		}
		if n == 40 && found != 2 {
			t.Errorf("the customer's runs in the list: %d, want 2", found)
		}
		if got := e.gw.Automation().RunReads() - reads; got != 1 {
			t.Errorf("%d customers: %d reads of journey runs, want 1", n, got)
		}
		if got := e.gw.Store.Scans("journey_state") - scans; got != 0 {
			t.Errorf("%d customers: %d scans of journey_state, want reads by _id", n, got)
		}
	}
}

type journeyCountsView struct {
	Triggered int `json:"triggered"`
	Sent      int `json:"sent"`
}

func journeyCounts(t *testing.T, e *env, id string) journeyCountsView {
	t.Helper()
	var out struct {
		Journey struct {
			Counts journeyCountsView `json:"counts"`
		} `json:"journey"`
	}
	e.mustQuery(t, `query($id: ID!) { journey(id: $id) { counts { triggered sent } } }`, map[string]any{"id": id}, &out)
	return out.Journey.Counts
}

// A message sent through Harmony is one entry on the customer's timeline:
// Harmony's record of the send and the helpdesk's own report of it are the
// same entry (the helpdesk's), at any page size.
func TestSentMessageOnceOnTheTimeline(t *testing.T) {
	e := boot(t)
	customer := ""
	for i, p := range e.demo.Simulators.Population().Members(population.Helpdesk) {
		owners, err := e.gw.Linker.Owners(t.Context(), []identity.Ref{{System: population.Helpdesk, Key: p.Key(population.Helpdesk)}})
		if err != nil {
			t.Fatal(err)
		}
		if i >= 7 && owners[0].CustomerID != "" {
			customer = owners[0].CustomerID
			break
		}
	}
	if customer == "" {
		t.Fatal("no helpdesk user is linked to a customer")
	}
	e.mustQuery(t, recordConsentMutation, map[string]any{"in": map[string]any{"customerId": customer,
		"purpose": "SERVICE", "channel": "WHATSAPP", "status": "GRANTED", "source": "e2e-timeline"}}, nil)
	var sent struct {
		SendMessage struct {
			MessageID string `json:"messageId"`
			Source    string `json:"source"`
		} `json:"sendMessage"`
	}
	e.mustQuery(t, sendMessageMutation, map[string]any{"in": map[string]any{"customerId": customer, "channel": "WHATSAPP",
		"template": "order_update", "idempotencyKey": "e2e-timeline-once"}}, &sent)
	if sent.SendMessage.Source != "helpdesk" || sent.SendMessage.MessageID == "" {
		t.Fatalf("sendMessage = %+v", sent.SendMessage)
	}
	// Harmony stored its record of the send.
	acts, err := e.gw.Store.ActivitiesOf(t.Context(), []string{customer}, time.Time{}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(acts[0], func(a store.Activity) bool {
		return a.Interaction != nil && a.Interaction.ID == sent.SendMessage.MessageID
	}) {
		t.Fatal("the send is not stored")
	}

	const q = `query($id: ID!, $n: Int!, $after: String) { customer(id: $id) { timeline(first: $n, after: $after) {
	  edges { node { id source payload { ... on Interaction { id attributes { name value } } } } }
	  pageInfo { hasNextPage endCursor } } } }`
	for _, n := range []int{1, 3, 50} {
		var after *string
		seen := 0
		for page := 0; page < 200; page++ {
			var out struct {
				Customer struct {
					Timeline struct {
						Edges []struct {
							Node struct {
								ID      string `json:"id"`
								Source  string `json:"source"`
								Payload struct {
									ID         string `json:"id"`
									Attributes []struct{ Name, Value string }
								} `json:"payload"`
							} `json:"node"`
						} `json:"edges"`
						PageInfo struct {
							HasNextPage bool    `json:"hasNextPage"`
							EndCursor   *string `json:"endCursor"`
						} `json:"pageInfo"`
					} `json:"timeline"`
				} `json:"customer"`
			}
			e.mustQuery(t, q, map[string]any{"id": customer, "n": n, "after": after}, &out)
			for _, edge := range out.Customer.Timeline.Edges {
				is := edge.Node.Payload.ID == sent.SendMessage.MessageID
				for _, a := range edge.Node.Payload.Attributes {
					is = is || (a.Name == "originId" && a.Value == sent.SendMessage.MessageID)
				}
				if is {
					seen++
					if edge.Node.Source != "helpdesk" {
						t.Errorf("first=%d: the message is shown from %s, want the helpdesk's report", n, edge.Node.Source)
					}
				}
			}
			if !out.Customer.Timeline.PageInfo.HasNextPage || n == 50 {
				break
			}
			after = out.Customer.Timeline.PageInfo.EndCursor
		}
		if seen != 1 {
			t.Errorf("first=%d: the sent message is on the timeline %d times, want once", n, seen)
		}
	}
}
