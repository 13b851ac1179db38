package resolvers

import (
	"context"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/timeline"
)

func streamName(src *sources.Source, c connectors.Capability) string {
	return src.Name() + "/" + string(c)
}

// startTimeline issues the reads of one page of the journey: every order and
// interaction stream of the customer is asked for at most n+1 items past its
// position in the cursor.
func (r *Resolver) startTimeline(ctx context.Context, keys map[string][]string, cur timeline.Cursor, n int) (*pendingFetch[connectors.Order], *pendingFetch[connectors.Interaction]) {
	window := func(c connectors.Capability) func(*sources.Source) (connectors.Window, bool) {
		return func(src *sources.Source) (connectors.Window, bool) { return cur.Window(streamName(src, c), n) }
	}
	return startFetch(ctx, r.Sources.With(connectors.CapOrders), keys, window(connectors.CapOrders), loadOrders, orderAt),
		startFetch(ctx, r.Sources.With(connectors.CapInteractions), keys, window(connectors.CapInteractions), loadInteractions, interactionAt)
}

// timelinePage merges what the streams answered into a page, newest first.
func timelinePage(ctx context.Context, cur timeline.Cursor, n int, orders []fetched[connectors.Order], interactions []fetched[connectors.Interaction]) *model.TimelineConnection {
	streams := append(
		toStreams(orders, connectors.CapOrders, func(o *connectors.Order) timeline.Item {
			return timeline.Item{ID: o.ID, At: o.PlacedAt, Order: o}
		}),
		toStreams(interactions, connectors.CapInteractions, func(it *connectors.Interaction) timeline.Item {
			return timeline.Item{ID: it.ID, At: it.OccurredAt, Interaction: it}
		})...)

	page := timeline.Merge(cur, streams, n)
	out := &model.TimelineConnection{
		Edges:    make([]model.TimelineEdge, len(page.Entries)),
		PageInfo: model.PageInfo{HasNextPage: page.HasNext},
		Gaps:     make([]model.TimelineGap, len(page.Gaps)),
	}
	for i, e := range page.Entries {
		out.Edges[i] = model.TimelineEdge{Cursor: e.Cursor.Encode(), Node: toTimelineEntry(e.Source, e.Order, e.Interaction)}
	}
	if len(out.Edges) > 0 {
		out.PageInfo.StartCursor = &out.Edges[0].Cursor
	}
	end := page.End.Encode()
	out.PageInfo.EndCursor = &end
	var fails failures
	for i, g := range page.Gaps {
		out.Gaps[i] = model.TimelineGap{Source: g.Source, Capability: string(g.Capability), Code: string(connectors.CodeOf(g.Err))}
		fails.add(ctx, g.Source+"/"+string(g.Capability), g.Err)
	}
	return out
}

// toStreams makes one timeline stream of each source's answer.
func toStreams[T any](all []fetched[T], c connectors.Capability, item func(*T) timeline.Item) []timeline.Stream {
	streams := make([]timeline.Stream, len(all))
	for i, f := range all {
		s := timeline.Stream{Name: streamName(f.src, c), Source: f.src.Name(), Capability: c, Asked: f.w.Limit, Err: f.err}
		for j := range f.items {
			s.Items = append(s.Items, item(&f.items[j]))
		}
		streams[i] = s
	}
	return streams
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
