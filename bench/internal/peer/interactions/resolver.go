// Package interactions is the peer benchmark's interactions subgraph:
// conversations, calls and e-mail events, as an ordinary gqlgen service
// federation-ready in movio/bramble's convention (schema.graphqls).
package interactions

import (
	"context"
	_ "embed"
	"net/http"

	"github.com/harmonyhq/harmony/bench/internal/peer/peerdata"
	"github.com/harmonyhq/harmony/bench/internal/peer/subgraph"
)

//go:embed schema.graphqls
var sdl string

// Handler serves the subgraph over d.
func Handler(d *peerdata.Data) http.Handler {
	return subgraph.Handler(NewExecutableSchema(Config{Resolvers: &resolver{d: d}}))
}

type resolver struct{ d *peerdata.Data }

func (r *resolver) Query() QueryResolver       { return r }
func (r *resolver) Customer() CustomerResolver { return r }

func (r *resolver) Service(context.Context) (*Service, error) {
	return &Service{Name: "interactions", Version: subgraph.Version, Schema: sdl}, nil
}

func (r *resolver) InteractionAccounts(_ context.Context, first int, after *string) (*InteractionAccountPage, error) {
	list, more := r.d.Page(first, subgraph.Deref(after))
	page := &InteractionAccountPage{Nodes: make([]InteractionAccount, len(list)), HasNextPage: more}
	for i, c := range list {
		page.Nodes[i] = InteractionAccount{ID: c.ID, Email: subgraph.Opt(c.Email)}
	}
	if len(list) > 0 {
		page.EndCursor = &list[len(list)-1].ID
	}
	return page, nil
}

// Customers is the boundary query: one entry per id, in order, nil for an
// unknown one.
func (r *resolver) Customers(_ context.Context, ids []string) ([]*Customer, error) {
	out := make([]*Customer, len(ids))
	for i, id := range ids {
		if r.d.Get(id) != nil {
			out[i] = &Customer{ID: id}
		}
	}
	return out, nil
}

// Interactions are the customer's newest first interactions, at most first.
func (r *resolver) Interactions(_ context.Context, obj *Customer, first int) ([]Interaction, error) {
	c := r.d.Get(obj.ID)
	if c == nil {
		return []Interaction{}, nil
	}
	list := c.Interactions[:min(max(first, 0), len(c.Interactions))]
	out := make([]Interaction, len(list))
	for i, it := range list {
		out[i] = Interaction{ID: it.ID, CustomerID: c.ID, Channel: it.Channel, Type: it.Type,
			OccurredAt: peerdata.Time(it.OccurredAt), Summary: subgraph.Opt(it.Summary), Status: subgraph.Opt(it.Status)}
	}
	return out, nil
}
