package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/loyalty"
	"github.com/harmonyhq/harmony/internal/store/embedded"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// seventhSystem is the whole integration of a loyalty program kept in its
// own MongoDB: configuration, nothing else.
const seventhSystem = `
connectors:
  - name: loyalty
    kind: mongodb
    timeout: 5s
    config:
      uri: ${LOYALTY_MONGODB_URI}
      database: loyalty
      profiles:
        collection: members
        filter: {member_id: {$in: ":keys"}}
        projection: {_id: 0, member_id: 1, name: 1, email: 1, card: 1, tier: 1, points: 1, updated: 1}
        mapping: &member
          key: $.member_id
          updated_at: $.updated
          fields:
            given_name: $.name.first
            family_name: $.name.last
            email: $.email
            loyalty_card: $.card
            tier: $.tier
            points: $.points
      list_profiles:
        collection: members
        key_field: member_id
        mapping: *member
      interactions:
        collection: points
        filter:
          member_id: {$in: ":keys"}
          at: {$gte: ":since", $lte: ":until"}
        sort: {at: -1}
        mapping:
          customer_key: $.member_id
          id: $._id
          occurred_at: $.at
          channel: store
          type: other
          summary: $.kind
          attributes: {points: $.points, store: $.store}
`

// TestSeventhSystemByConfigurationAlone adds a loyalty program, kept in
// another MongoDB, to the six demo systems with a configuration block, then
// finds its members by loyalty card, linked to the customers the other
// systems know, with the program's fields and point events.
func TestSeventhSystemByConfigurationAlone(t *testing.T) {
	e := bootAlone(t)
	ctx := t.Context()

	// The loyalty program's own database.
	db, err := embedded.Start(ctx, t.TempDir(), testlog.Logger(&syncBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	client, err := mongo.Connect(options.Client().ApplyURI(db.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	pop := e.demo.Simulators.Population()
	prog, err := loyalty.Load(ctx, client.Database("loyalty"), pop)
	if err != nil {
		t.Fatal(err)
	}

	// The demo's configuration plus the block above.
	extra, err := config.Parse("seventh.yaml", []byte(seventhSystem), func(name string) (string, bool) {
		return db.URI(), name == "LOYALTY_MONGODB_URI"
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := *e.demo.Config
	cfg.Connectors = append(slices.Clone(cfg.Connectors), extra.Connectors...)
	cfg.Store.DataDir = t.TempDir()
	cfg.Store.URI = ""
	gw, err := app.Build(ctx, &cfg, app.Options{Log: testlog.Logger(&syncBuffer{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(context.Background()) })
	if err := gw.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	g := &env{demo: e.demo, gw: gw, srv: srv}

	// A member the CRM also knows, with point events.
	var member loyalty.Member
	for _, m := range prog.Members {
		if pop.People[m.Person].In("crm") && m.Events >= 2 {
			member = m
			break
		}
	}
	if member.MemberID == "" {
		t.Fatal("no member the CRM knows")
	}

	var out struct {
		Customer struct {
			ID         string
			Identities []struct {
				Kind   string
				System *string
			}
			Profile struct {
				Sources    []string
				Attributes []struct{ Name, Value, Source string }
			}
			Interactions []struct {
				Source, Channel, Type string
				Summary               *string
			}
		} `json:"customerByIdentifier"`
	}
	g.mustQuery(t, `query($card: String!) {
	  customerByIdentifier(kind: LOYALTY_CARD, value: $card) {
	    id
	    identities { kind system }
	    profile { sources attributes { name value source } }
	    interactions(first: 20) { source channel type summary }
	  }
	}`, map[string]any{"card": strings.ToLower(member.Card)}, &out)
	c := out.Customer
	if c.ID == "" {
		t.Fatalf("no customer for the member's card")
	}
	if !slices.Contains(c.Profile.Sources, "loyalty") || !slices.Contains(c.Profile.Sources, "crm") {
		t.Errorf("sources %v: want the loyalty program linked with the CRM", c.Profile.Sources)
	}
	attrs := map[string]string{}
	for _, a := range c.Profile.Attributes {
		if a.Source == "loyalty" {
			attrs[a.Name] = a.Value
		}
	}
	if attrs["tier"] != member.Tier || attrs["points"] != fmt.Sprint(member.Points) {
		t.Errorf("loyalty attributes %v, want tier %s and points %d", attrs, member.Tier, member.Points)
	}
	var events int
	for _, it := range c.Interactions {
		if it.Source == "loyalty" {
			events++
			if it.Channel != "STORE" || it.Type != "OTHER" || it.Summary == nil {
				t.Errorf("loyalty event %+v", it)
			}
		}
	}
	if events != member.Events {
		t.Errorf("%d loyalty events on the customer, want %d", events, member.Events)
	}
	var keyed bool
	for _, id := range c.Identities {
		keyed = keyed || (id.Kind == "EXTERNAL_ID" && id.System != nil && *id.System == "loyalty")
	}
	if !keyed {
		t.Errorf("identities %+v lack the loyalty member key", c.Identities)
	}
}
