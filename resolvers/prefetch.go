package resolvers

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/store"
)

// prefetch starts, for a list of customers, the reads their fields will
// make, from this one goroutine. Each field resolver later issues the same
// loads (same keys, same windows: they share the start* functions) and finds
// them in the operation's dataloader cache or in the open batch.
//
// Without it, the batch of a source would be formed by N×F resolver
// goroutines waking at once, and how many keys reach it before it closes
// would depend on the machine's load. With it, and the batches held open
// while it issues the loads, a list of N customers costs one upstream call
// per source and capability, whatever the scheduler does.
func (r *Resolver) prefetch(ctx context.Context, customerIDs []string, fields []graphql.CollectedField) {
	prefetchConsents(ctx, customerIDs, fields)
	if len(customerIDs) == 0 || !readsSources(fields) {
		return
	}
	l := loaders.From(ctx)
	release := l.Hold()
	pending := make([]func() ([]store.Identity, error), len(customerIDs))
	for i, id := range customerIDs {
		pending[i] = l.Identities(ctx, id)
	}
	release()
	keys := make([]map[string][]string, len(customerIDs))
	for i, wait := range pending {
		ids, err := wait()
		if err != nil {
			return // the fields will report it
		}
		keys[i] = keysOf(ids)
	}
	oc := graphql.GetOperationContext(ctx)
	defer l.Hold()()
	for _, f := range fields {
		args := f.ArgumentMap(oc.Variables)
		for i, id := range customerIDs {
			k := keys[i]
			switch f.Name {
			case "profile":
				r.startProfile(ctx, k)
			case "orders":
				if n, err := pageSize(intArg(args, "first"), 20); err == nil {
					r.startOrders(ctx, k, n)
				}
			case "interactions":
				if n, err := pageSize(intArg(args, "first"), 20); err == nil {
					r.startInteractions(ctx, k, n)
				}
			case "timeline":
				n, err := pageSize(intArg(args, "first"), 20)
				tf, ferr := filterArg(args)
				if err == nil && ferr == nil {
					if cur, cerr := decodeTimelineCursor(strArg(args, "after"), tf); cerr == nil {
						r.startTimeline(ctx, id, k, cur, n, tf)
					}
				}
			case "metrics":
				r.startMetrics(ctx, k)
			case "conversations":
				r.startConversations(ctx, id, k)
			}
		}
	}
}

// readsSources reports whether any field reads channel systems.
func readsSources(fields []graphql.CollectedField) bool {
	for _, f := range fields {
		switch f.Name {
		case "profile", "orders", "interactions", "timeline", "metrics", "conversations":
			return true
		}
	}
	return false
}

// customerFields collects the Customer fields selected under a customer
// connection's edges.node, fragments and directives applied.
func customerFields(ctx context.Context) []graphql.CollectedField {
	oc := graphql.GetOperationContext(ctx)
	var out []graphql.CollectedField
	for _, edges := range graphql.CollectFieldsCtx(ctx, []string{"CustomerConnection"}) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(oc, edges.Selections, []string{"CustomerEdge"}) {
			if node.Name != "node" {
				continue
			}
			out = append(out, graphql.CollectFields(oc, node.Selections, []string{"Customer", "Node"})...)
		}
	}
	return out
}

func intArg(args map[string]any, name string) *int {
	var n int
	switch v := args[name].(type) {
	case int:
		n = v
	case int32:
		n = int(v)
	case int64:
		n = int(v)
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return nil
		}
		n = int(i)
	default:
		return nil
	}
	return &n
}

func strArg(args map[string]any, name string) *string {
	if s, ok := args[name].(string); ok {
		return &s
	}
	return nil
}

// filterArg reads a timeline's filter argument as the field resolver will
// get it.
func filterArg(args map[string]any) (timelineFilter, error) {
	raw, ok := args["filter"]
	if !ok || raw == nil {
		return timelineFilter{}, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return timelineFilter{}, fmt.Errorf("timeline filter: %w", err)
	}
	var f model.TimelineFilter
	if err := json.Unmarshal(b, &f); err != nil {
		return timelineFilter{}, fmt.Errorf("timeline filter: %w", err)
	}
	return parseTimelineFilter(&f)
}

// customer reads one customer for a root field (customer, node,
// customerByIdentifier). When that field is the operation's only root
// field, it reads the customer and its identities in one store level and
// then issues every read the selected fields will make (see prefetch), with
// the batches closed the moment they are issued: no level of the customer
// 360 waits for a batch timer. With more root fields the batches stay open
// on their timers, so that the roots' keys share them.
func (r *Resolver) customer(ctx context.Context, id string) (*model.Customer, error) {
	l := loaders.From(ctx)
	var fields []graphql.CollectedField
	release := func() {}
	if soleRoot(ctx) {
		fields = graphql.CollectFieldsCtx(ctx, []string{"Customer", "Node"})
		release = l.Hold()
	}
	read := l.Customer(ctx, id)
	if readsSources(fields) {
		l.Identities(ctx, id)
	}
	release()
	c, err := read()
	if err != nil {
		return nil, apperr.Store(err)
	}
	if c != nil && fields != nil {
		// c.ID, not id: the ID of a customer merged into another reads the
		// survivor, whose fields are the ones resolved.
		r.prefetch(ctx, []string{c.ID}, fields)
	}
	return toCustomer(c), nil
}

// holdIfSole holds the operation's batches open while a root field that
// is the operation's only one issues its loads; the release sends them at
// once rather than after the idle wait. With more root fields it holds
// nothing, so the roots' keys can share batches on the timers.
func holdIfSole(ctx context.Context) (release func()) {
	if !soleRoot(ctx) {
		return func() {}
	}
	return loaders.From(ctx).Hold()
}

// soleRoot reports whether the field being resolved is the operation's
// only root field (__typename aside).
func soleRoot(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	// A root field's parent is the Query object's context, which has none.
	if fc == nil || fc.Parent == nil || fc.Parent.Parent != nil {
		return false
	}
	oc := graphql.GetOperationContext(ctx)
	n := 0
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, nil) {
		if f.Name != "__typename" {
			n++
		}
	}
	return n == 1
}
