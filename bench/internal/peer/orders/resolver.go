// Package orders is the peer benchmark's orders subgraph: online orders and
// in-store sales, as an ordinary gqlgen service federation-ready in
// movio/bramble's convention (schema.graphqls).
package orders

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
	return &Service{Name: "orders", Version: subgraph.Version, Schema: sdl}, nil
}

func (r *resolver) OrderAccounts(_ context.Context, first int, after *string) (*OrderAccountPage, error) {
	list, more := r.d.Page(first, subgraph.Deref(after))
	page := &OrderAccountPage{Nodes: make([]OrderAccount, len(list)), HasNextPage: more}
	for i, c := range list {
		page.Nodes[i] = OrderAccount{ID: c.ID, Email: subgraph.Opt(c.Email)}
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

// Orders are the customer's newest first orders, at most first.
func (r *resolver) Orders(_ context.Context, obj *Customer, first int) ([]Order, error) {
	c := r.d.Get(obj.ID)
	if c == nil {
		return []Order{}, nil
	}
	list := c.Orders[:min(max(first, 0), len(c.Orders))]
	out := make([]Order, len(list))
	for i, o := range list {
		items := make([]LineItem, len(o.Items))
		for j, it := range o.Items {
			items[j] = LineItem{Sku: it.SKU, Name: it.Name, Quantity: it.Quantity, UnitPrice: money(it.UnitCents)}
		}
		out[i] = Order{ID: o.ID, CustomerID: c.ID, PlacedAt: peerdata.Time(o.PlacedAt), Status: o.Status, Channel: o.Channel,
			Total: money(o.Cents), Items: items}
	}
	return out, nil
}

func money(cents int64) *Money {
	return &Money{Amount: peerdata.Amount(cents), Currency: peerdata.Currency}
}
