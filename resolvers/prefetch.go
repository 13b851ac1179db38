package resolvers

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/harmonyhq/harmony/graph/model"
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
		for i, k := range keys {
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
						r.startTimeline(ctx, customerIDs[i], k, cur, n, tf)
					}
				}
			case "metrics":
				r.startMetrics(ctx, k)
			case "conversations":
				r.startConversations(ctx, customerIDs[i], k)
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
