package e2e

import (
	"slices"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/mailing"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

const customer360 = `
query Customer360($system: String!, $key: String!) {
  customerByIdentifier(kind: EXTERNAL_ID, system: $system, value: $key) {
    id
    createdAt
    profile {
      givenName { value source fetchedAt }
      familyName { value source }
      email { value source }
      phone { value source }
      loyaltyCard { value source }
      sources
    }
    identities { kind value system rule source }
    orders(first: 50) { id source channel placedAt total { amount currency } items { name quantity } }
    interactions(first: 100) { id source channel type occurredAt summary }
    timeline(first: 40) {
      edges { cursor node { id occurredAt channel source kind summary payload { __typename } } }
      pageInfo { hasNextPage endCursor }
      gaps { source capability code }
    }
    metrics { orderCount totalSpent { amount currency } lastContactChannel lastContactAt averageFirstResponseSeconds complete }
  }
}`

type field struct {
	Value  string `json:"value"`
	Source string `json:"source"`
}

type customerView struct {
	ID      string `json:"id"`
	Profile struct {
		GivenName   *field   `json:"givenName"`
		FamilyName  *field   `json:"familyName"`
		Email       *field   `json:"email"`
		Phone       *field   `json:"phone"`
		LoyaltyCard *field   `json:"loyaltyCard"`
		Sources     []string `json:"sources"`
	} `json:"profile"`
	Identities []struct {
		Kind, Value, Rule, Source string
		System                    *string
	} `json:"identities"`
	Orders []struct {
		ID, Source, Channel string
	} `json:"orders"`
	Interactions []struct {
		ID, Source, Channel, Type string
	} `json:"interactions"`
	Timeline struct {
		Edges []struct {
			Cursor string `json:"cursor"`
			Node   struct {
				ID, OccurredAt, Channel, Source, Kind, Summary string
			} `json:"node"`
		} `json:"edges"`
		PageInfo struct {
			HasNextPage bool   `json:"hasNextPage"`
			EndCursor   string `json:"endCursor"`
		} `json:"pageInfo"`
		Gaps []struct{ Source, Capability, Code string } `json:"gaps"`
	} `json:"timeline"`
	Metrics struct {
		OrderCount         int `json:"orderCount"`
		TotalSpent         []struct{ Amount, Currency string }
		LastContactChannel *string `json:"lastContactChannel"`
		Complete           bool    `json:"complete"`
	} `json:"metrics"`
}

// richPerson is someone all six systems know, with activity in each.
func richPerson(t *testing.T, pop *population.Population) population.Person {
	t.Helper()
	for _, p := range pop.InAll() {
		if len(p.Orders) > 0 && len(p.Sales) > 0 && len(p.Conversations) > 0 && len(p.EmailEvents) > 0 && len(p.Calls) > 0 {
			return p
		}
	}
	t.Fatal("the population has nobody with activity in every system")
	return population.Person{}
}

func TestCustomer360FromAllSystemsInOneAnswer(t *testing.T) {
	e := boot(t)
	p := richPerson(t, e.demo.Simulators.Population())
	var out struct {
		C *customerView `json:"customerByIdentifier"`
	}
	e.mustQuery(t, customer360, map[string]any{"system": "crm", "key": p.Key(population.CRM)}, &out)
	c := out.C
	if c == nil {
		t.Fatal("the CRM contact resolves to no customer")
	}

	// The profile store: one customer, linked to the person's record in
	// every system.
	linked := map[string]bool{}
	for _, id := range c.Identities {
		if id.Kind == "EXTERNAL_ID" && id.System != nil {
			linked[*id.System] = true
			if want := p.Key(*id.System); id.Value != want {
				t.Errorf("%s key = %s, want %s: another person's record is linked", *id.System, id.Value, want)
			}
		}
	}
	for _, sys := range population.Systems() {
		if !linked[sys] {
			t.Errorf("no link to the %s record", sys)
		}
	}

	// Profiles from every system, the golden fields from the CRM first.
	for _, sys := range population.Systems() {
		if !slices.Contains(c.Profile.Sources, sys) {
			t.Errorf("profile sources %v lack %s", c.Profile.Sources, sys)
		}
	}
	if c.Profile.GivenName == nil || c.Profile.GivenName.Value != p.Records[population.CRM].GivenName || c.Profile.GivenName.Source != "crm" {
		t.Errorf("givenName = %+v, want the CRM's %q", c.Profile.GivenName, p.Records[population.CRM].GivenName)
	}
	if c.Profile.LoyaltyCard == nil || c.Profile.LoyaltyCard.Source != "pos" {
		t.Errorf("loyaltyCard = %+v, want it from the point of sale", c.Profile.LoyaltyCard)
	}

	// Orders online and in store, interactions from three systems.
	orderSources := map[string]int{}
	for _, o := range c.Orders {
		orderSources[o.Source]++
	}
	if orderSources["shop"] != min(len(p.Orders), 50) || orderSources["pos"] == 0 {
		t.Errorf("orders by source = %v, want the shop's %d and the POS's", orderSources, len(p.Orders))
	}
	interactionSources := map[string]bool{}
	for _, it := range c.Interactions {
		interactionSources[it.Source] = true
	}
	for _, sys := range []string{"helpdesk", "mailing", "calls"} {
		if !interactionSources[sys] {
			t.Errorf("no interaction from %s", sys)
		}
	}

	// One timeline, newest first, across channels.
	channels := map[string]bool{}
	prev := ""
	for _, edge := range c.Timeline.Edges {
		channels[edge.Node.Channel] = true
		if prev != "" && edge.Node.OccurredAt > prev {
			t.Fatalf("timeline not newest first: %s after %s", edge.Node.OccurredAt, prev)
		}
		prev = edge.Node.OccurredAt
	}
	if len(c.Timeline.Edges) != 40 || len(c.Timeline.Gaps) != 0 {
		t.Errorf("timeline has %d entries and gaps %v, want 40 and none", len(c.Timeline.Edges), c.Timeline.Gaps)
	}

	total := len(p.Orders) + len(p.Sales) + len(p.Conversations) + len(p.EmailEvents) + len(mailing.SurveyAnswers(&p)) + len(p.Calls)
	if c.Metrics.OrderCount != len(p.Orders)+len(p.Sales) || len(c.Metrics.TotalSpent) == 0 || c.Metrics.LastContactChannel == nil || !c.Metrics.Complete {
		t.Errorf("metrics = %+v, want %d orders, spend, a last contact, complete", c.Metrics, len(p.Orders)+len(p.Sales))
	}
	t.Logf("customer %s: %d identities, %d timeline channels on the first page, %d events in all", c.ID, len(c.Identities), len(channels), total)
}

func TestTimelinePagesWalkTheWholeJourneyOnce(t *testing.T) {
	e := boot(t)
	p := richPerson(t, e.demo.Simulators.Population())
	const page = `
query Page($system: String!, $key: String!, $after: String) {
  customerByIdentifier(kind: EXTERNAL_ID, system: $system, value: $key) {
    timeline(first: 7, after: $after) {
      edges { node { id occurredAt channel } }
      pageInfo { hasNextPage endCursor }
      gaps { source }
    }
  }
}`
	seen := map[string]bool{}
	channels := map[string]bool{}
	var after any
	prev := ""
	pages := 0
	for {
		var out struct {
			C struct {
				Timeline struct {
					Edges []struct {
						Node struct{ ID, OccurredAt, Channel string } `json:"node"`
					} `json:"edges"`
					PageInfo struct {
						HasNextPage bool   `json:"hasNextPage"`
						EndCursor   string `json:"endCursor"`
					} `json:"pageInfo"`
				} `json:"timeline"`
			} `json:"customerByIdentifier"`
		}
		e.mustQuery(t, page, map[string]any{"system": "shop", "key": p.Key(population.Shop), "after": after}, &out)
		pages++
		for _, edge := range out.C.Timeline.Edges {
			if seen[edge.Node.ID] {
				t.Fatalf("page %d repeats %s", pages, edge.Node.ID)
			}
			if prev != "" && edge.Node.OccurredAt > prev {
				t.Fatalf("page %d goes back in time", pages)
			}
			seen[edge.Node.ID], prev = true, edge.Node.OccurredAt
			channels[edge.Node.Channel] = true
		}
		if !out.C.Timeline.PageInfo.HasNextPage {
			break
		}
		after = out.C.Timeline.PageInfo.EndCursor
		if pages > 200 {
			t.Fatal("the timeline does not end")
		}
	}
	want := len(p.Orders) + len(p.Sales) + len(p.Conversations) + len(p.EmailEvents) + len(mailing.SurveyAnswers(&p)) + len(p.Calls) +
		newerEvents(&p)
	if len(seen) != want {
		t.Fatalf("walked %d entries in %d pages, want every one of the %d events", len(seen), pages, want)
	}
	if len(channels) < 4 {
		t.Errorf("channels = %v, want at least four", channels)
	}
}

func TestCustomerByIdentifierNormalises(t *testing.T) {
	e := boot(t)
	p := richPerson(t, e.demo.Simulators.Population())
	var want struct {
		C struct{ ID string } `json:"customerByIdentifier"`
	}
	e.mustQuery(t, `query($k: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: "crm", value: $k) { id } }`,
		map[string]any{"k": p.Key(population.CRM)}, &want)
	tests := []struct {
		kind, value string
	}{
		{"EMAIL", "  " + p.Email + " "},
		{"EMAIL", p.Records[population.CRM].Email},
		{"PHONE", p.Phone},
		{"PHONE", p.Records[population.POS].Phone},
		{"WHATSAPP", p.Phone[1:]},
		{"LOYALTY_CARD", p.LoyaltyCard},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			var got struct {
				C *struct{ ID string } `json:"customerByIdentifier"`
			}
			e.mustQuery(t, `query($k: IdentifierKind!, $v: String!) { customerByIdentifier(kind: $k, value: $v) { id } }`,
				map[string]any{"k": tt.kind, "v": tt.value}, &got)
			if got.C == nil || got.C.ID != want.C.ID {
				t.Fatalf("%s lookup = %+v, want %s", tt.kind, got.C, want.C.ID)
			}
		})
	}
	var nobody struct {
		C *struct{ ID string } `json:"customerByIdentifier"`
	}
	e.mustQuery(t, `{ customerByIdentifier(kind: EMAIL, value: "nobody@nowhere.example") { id } }`, nil, &nobody)
	if nobody.C != nil {
		t.Fatalf("unknown e-mail resolves to %+v", nobody.C)
	}
}
