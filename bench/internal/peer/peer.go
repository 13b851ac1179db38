// Package peer is the peer comparison of `make bench`: three GraphQL
// subgraphs (profile, orders, interactions) over the same customers, the
// Harmony configuration that federates them with the built-in graphql
// connector kind (harmony.yaml), the movio/bramble configuration that
// federates them as bramble does, and the operations each gateway is asked.
package peer

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"

	"github.com/harmonyhq/harmony/bench/internal/peer/interactions"
	"github.com/harmonyhq/harmony/bench/internal/peer/orders"
	"github.com/harmonyhq/harmony/bench/internal/peer/peerdata"
	"github.com/harmonyhq/harmony/bench/internal/peer/profile"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// The subgraphs, by the names their servers, counts and Harmony's
// connectors use.
const (
	Profile      = "profile"
	Orders       = "orders"
	Interactions = "interactions"
)

// Subgraphs lists the subgraph names in a fixed order.
func Subgraphs() []string { return []string{Profile, Orders, Interactions} }

// URLVar is the environment variable that carries a subgraph's base URL to
// harmony.yaml (its GraphQL endpoint is the base URL + "/graphql").
func URLVar(name string) string {
	return map[string]string{Profile: "PEER_PROFILE_URL", Orders: "PEER_ORDERS_URL", Interactions: "PEER_INTERACTIONS_URL"}[name]
}

// Start serves the three subgraphs over pop on loopback, each a simhttp
// server (request counts, injected latency) answering POST /graphql,
// counted under route "graphql".
func Start(ctx context.Context, pop *population.Population) ([]*simhttp.Server, error) {
	d := peerdata.New(pop)
	handlers := map[string]http.Handler{Profile: profile.Handler(d), Orders: orders.Handler(d), Interactions: interactions.Handler(d)}
	var out []*simhttp.Server
	for _, name := range Subgraphs() {
		s := simhttp.New(name, nil)
		s.Handle("POST /graphql", "graphql", handlers[name].ServeHTTP)
		if err := s.Start(ctx); err != nil {
			for _, o := range out {
				o.Stop()
			}
			return nil, fmt.Errorf("peer subgraph %s: %w", name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

//go:embed harmony.yaml
var harmonyYAML []byte

// HarmonyYAML is harmony.yaml, its ${NAME} references unexpanded: the
// subgraphs' URLs (URLVar) and HARMONY_BENCH_DATA_DIR.
func HarmonyYAML() []byte { return append([]byte(nil), harmonyYAML...) }
