package connectortest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/connectors/connectortest/internal/fake"
)

// Ticketdesk is a Go connector kind, written the way docs/connectors.md
// describes: exported yaml-tagged fields are its configuration, Provision
// acquires, Validate checks, methods of the capability interfaces serve.
type Ticketdesk struct {
	Account string            `yaml:"account"`
	APIKey  connectors.Secret `yaml:"api_key"`

	tickets map[string][]connectors.Interaction // stands in for an API client
}

func init() {
	connectors.MustRegister(connectors.Kind{
		ID:  "ticketdesk",
		Doc: "Ticketdesk helpdesk (example)",
		New: func() connectors.Connector { return new(Ticketdesk) },
	})
}

func (t *Ticketdesk) Provision(ctx context.Context, env connectors.Env) error {
	day := func(d int) time.Time { return time.Date(2024, 5, d, 9, 0, 0, 0, time.UTC) }
	t.tickets = map[string][]connectors.Interaction{
		"u1": {
			{ID: "T-2", CustomerKey: "u1", Channel: connectors.ChannelEmail, Type: connectors.TypeTicket, OccurredAt: day(2)},
			{ID: "T-1", CustomerKey: "u1", Channel: connectors.ChannelChat, Type: connectors.TypeTicket, OccurredAt: day(1)},
		},
	}
	return nil
}

func (t *Ticketdesk) Validate() error {
	if t.Account == "" {
		return connectors.Invalid("account", "required")
	}
	if t.APIKey == "" {
		return connectors.Invalid("api_key", "required")
	}
	return nil
}

func (t *Ticketdesk) Close() error { return nil }

// Interactions answers every key from one upstream call, aligned by key.
func (t *Ticketdesk) Interactions(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Interaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, connectors.NewError(connectors.CodeTimeout, err)
	}
	out := make([][]connectors.Interaction, len(keys))
	for i, k := range keys {
		for _, it := range t.tickets[k] { // already newest first
			if w.Contains(it.OccurredAt) && len(out[i]) < w.Limit {
				out[i] = append(out[i], it)
			}
		}
	}
	return out, nil
}

// Build an instance of a Go connector kind from its YAML configuration, as
// the gateway does.
func ExampleTryBuild() {
	_, err := connectortest.TryBuild("ticketdesk", "account: acme\napi_kee: x\n", connectors.Env{})
	fmt.Println(err)

	c, err := connectortest.TryBuild("ticketdesk", "account: acme\napi_key: s3cr3t\n", connectors.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = c.Close() }()
	fmt.Println(connectors.Capabilities(c))
	fmt.Println("api_key:", c.(*Ticketdesk).APIKey) // a Secret prints redacted
	out, _ := c.(connectors.InteractionSource).Interactions(context.Background(), []string{"u2", "u1"}, connectors.Window{Limit: 1})
	fmt.Println(len(out[0]), out[1][0].ID)
	// Output:
	// line 2: api_kee: unknown key (known: account, api_key)
	// [interactions]
	// api_key: [REDACTED]
	// 0 T-2
}

// A connector's conformance test: build the instance against an upstream
// the test controls and hand Run a harness. Run calls the function once per
// capability, so each gets a fresh upstream.
func ExampleRun() {
	_ = func(t *testing.T) { // func TestConformance(t *testing.T)
		connectortest.Run(t, func(t *testing.T) *connectortest.Harness {
			up := &fake.Upstream{} // an httptest.Server, a database, a connectortest.Proxy...
			return &connectortest.Harness{
				Connector: &fake.Conn{Token: fake.Secret, Up: up}, // usually connectortest.Build(t, kind, yaml, env)
				Known:     []string{"k1", "k2", "k3"},
				Missing:   "k404",
				Break:     up.Break,
				Heal:      up.Heal,
				Block:     up.Block,
				Secrets:   []string{fake.Secret},
			}
		})
	}
	fmt.Println(slices.Contains(connectors.KindIDs(), "ticketdesk"))
	// Output: true
}
