// Package profile is the peer benchmark's profile subgraph: customers'
// names and contact details, as an ordinary gqlgen service federation-ready
// in movio/bramble's convention (schema.graphqls).
package profile

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

func (r *resolver) Query() QueryResolver { return r }

func (r *resolver) Service(context.Context) (*Service, error) {
	return &Service{Name: "profile", Version: subgraph.Version, Schema: sdl}, nil
}

func (r *resolver) Customer(_ context.Context, id string) (*Customer, error) {
	c := r.d.Get(id)
	if c == nil {
		return nil, nil
	}
	out := customer(c)
	return &out, nil
}

func (r *resolver) CustomerPage(_ context.Context, first int, after *string) (*CustomerPage, error) {
	list, more := r.d.Page(first, subgraph.Deref(after))
	page := &CustomerPage{Nodes: make([]Customer, len(list)), PageInfo: &PageInfo{HasNextPage: more}}
	for i, c := range list {
		page.Nodes[i] = customer(c)
	}
	if len(list) > 0 {
		page.PageInfo.EndCursor = &list[len(list)-1].ID
	}
	return page, nil
}

// Customers is the boundary query: one entry per id, in order, nil for an
// unknown one.
func (r *resolver) Customers(_ context.Context, ids []string) ([]*Customer, error) {
	out := make([]*Customer, len(ids))
	for i, id := range ids {
		if c := r.d.Get(id); c != nil {
			v := customer(c)
			out[i] = &v
		}
	}
	return out, nil
}

func customer(c *peerdata.Customer) Customer {
	updated := peerdata.Time(c.UpdatedAt)
	return Customer{ID: c.ID, GivenName: subgraph.Opt(c.GivenName), FamilyName: subgraph.Opt(c.FamilyName),
		Email: subgraph.Opt(c.Email), Phone: subgraph.Opt(c.Phone), City: subgraph.Opt(c.City),
		Country: subgraph.Opt(c.Country), UpdatedAt: &updated}
}
