package resolvers

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/level"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/store"
)

// Batching, in two steps (docs/batching.md):
//
//  1. A field that produces customers (customer, node, customerByIdentifier,
//     customers, customersByIdentifiers) reads in one store round trip
//     what their fields need first: the customers, their keys in every
//     system, and their consents when a selected field is gated on consent.
//     It then makes their level (package level), with the fields selected
//     on them.
//  2. Each Customer field reads through perCustomer: its reads are issued
//     once for every customer of the level, and the level's batches are
//     sent when the last selected field has issued its own. A page of 50
//     customers costs one call per source and capability, the same as one
//     customer, and nothing waits on a timer.

// newLevel reads what the fields of customers need before they read the
// systems, and puts them in one level with the fields selected on them.
// Customers must be active (merges resolved). Customers of which only the
// ID is asked cost no store read.
func (r *Resolver) newLevel(ctx context.Context, customers []*model.Customer, fields []graphql.CollectedField) error {
	selected := make([]*ast.Field, 0, len(fields))
	for _, f := range fields {
		// __typename goes through no resolver, and a deferred field runs
		// after the others: neither is waited for.
		if f.Name != "__typename" && !f.IsDeferred() {
			selected = append(selected, f.Field)
		}
	}
	if len(customers) == 0 || idOnly(fields) {
		return nil
	}
	l := loaders.From(ctx)
	ids := make([]string, len(customers))
	idents := make([]func() ([]store.Identity, error), len(customers))
	consents := slices.ContainsFunc(fields, needsConsents)
	for i, c := range customers {
		ids[i] = c.ID
		idents[i] = l.Identities(ctx, c.ID)
		if consents {
			l.Consents(ctx, c.ID)
		}
	}
	keys := make([]map[string][]string, len(customers))
	for i, wait := range idents {
		found, err := wait()
		if err != nil {
			return apperr.Store(err)
		}
		keys[i] = keysOf(found)
	}
	lv := level.New(ids, keys, selected)
	for _, c := range customers {
		c.Level = lv
	}
	return nil
}

// idOnly reports whether fields ask for nothing but the customer's ID.
func idOnly(fields []graphql.CollectedField) bool {
	return !slices.ContainsFunc(fields, func(f graphql.CollectedField) bool { return f.Name != "id" && f.Name != "__typename" })
}

// perCustomer answers a Customer field whose reads issue makes for one
// customer: issue runs for every customer of obj's level at once (the
// first of them to get here issues all; the others find them), and obj's
// share is returned. A customer without a level reads alone.
func perCustomer[T any](ctx context.Context, obj *model.Customer, issue func(customerID string, keys map[string][]string) T) (T, error) {
	lv := obj.Level
	if lv == nil {
		keys, err := nativeKeys(ctx, obj.ID)
		if err != nil {
			var zero T
			return zero, err
		}
		return issue(obj.ID, keys), nil
	}
	all := level.Do(lv, graphql.GetFieldContext(ctx).Field.Field, func() []T {
		out := make([]T, lv.Len())
		for i := range out {
			out[i] = issue(lv.ID(i), lv.Keys(i))
		}
		return out
	})
	i, _ := lv.Index(obj.ID)
	return all[i], nil
}

// customer reads one customer for a root field (customer, node,
// customerByIdentifier): itself or, for the ID of a customer merged into
// another, the survivor, whose fields are the ones resolved.
func (r *Resolver) customer(ctx context.Context, id string) (*model.Customer, error) {
	l := loaders.From(ctx)
	fields := graphql.CollectFieldsCtx(ctx, []string{"Customer", "Node"})
	read := l.Customer(ctx, id)
	// What newLevel will read, in the same round trip: most IDs are not
	// merged.
	if !idOnly(fields) {
		l.Identities(ctx, id)
	}
	if slices.ContainsFunc(fields, needsConsents) {
		l.Consents(ctx, id)
	}
	c, err := read()
	if err != nil {
		return nil, apperr.Store(err)
	}
	out := toCustomer(c)
	if out == nil {
		return nil, nil
	}
	if err := r.newLevel(ctx, []*model.Customer{out}, fields); err != nil {
		return nil, err
	}
	return out, nil
}

// listLevel makes the level of a list of customers (a root field's answer;
// nil entries are customers not found) and returns the list.
func (r *Resolver) listLevel(ctx context.Context, list []*model.Customer) ([]*model.Customer, error) {
	present := make([]*model.Customer, 0, len(list))
	for _, c := range list {
		if c != nil {
			present = append(present, c)
		}
	}
	if err := r.newLevel(ctx, present, graphql.CollectFieldsCtx(ctx, []string{"Customer", "Node"})); err != nil {
		return nil, err
	}
	return list, nil
}

// customerFields collects the Customer fields selected under a customer
// connection's edges.node, fragments and directives applied. With several
// selections of edges or node (aliases), the nodes are the same objects:
// the first selection's fields make their level, because the executor
// walks it first; the others' reads are sent when they wait.
func customerFields(ctx context.Context) []graphql.CollectedField {
	oc := graphql.GetOperationContext(ctx)
	for _, edges := range graphql.CollectFieldsCtx(ctx, []string{"CustomerConnection"}) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(oc, edges.Selections, []string{"CustomerEdge"}) {
			if node.Name == "node" {
				return graphql.CollectFields(oc, node.Selections, []string{"Customer", "Node"})
			}
		}
	}
	return nil
}
