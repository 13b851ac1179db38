package resolvers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/timeline"
)

// Stored activity (the `events` collection: webhook events and recorded
// interactions) is one more timeline stream, under the source name
// harmonySource. Each entry keeps the connector that reported it in the
// `origin` attribute and that system's interaction ID in `originId`.
const (
	harmonySource = "harmony"
	// capActivity names the stored-activity stream in cursors and gaps.
	capActivity connectors.Capability = "activity"
)

func streamName(src *sources.Source, c connectors.Capability) string {
	return src.Name() + "/" + string(c)
}

var activityStream = harmonySource + "/" + string(capActivity)

// timelineFilter is a checked TimelineFilter. Zero value: no filter.
type timelineFilter struct {
	since, until time.Time
	channels     []model.Channel      // nil: every channel
	kinds        []model.TimelineKind // nil: every kind
}

// parseTimelineFilter checks a filter argument.
func parseTimelineFilter(f *model.TimelineFilter) (timelineFilter, error) {
	var out timelineFilter
	if f == nil {
		return out, nil
	}
	if f.Channels != nil && len(f.Channels) == 0 {
		return out, apperr.Input("filter.channels must not be empty; omit it to keep every channel")
	}
	if f.Kinds != nil && len(f.Kinds) == 0 {
		return out, apperr.Input("filter.kinds must not be empty; omit it to keep every kind")
	}
	if f.Since != nil {
		out.since = f.Since.UTC()
	}
	if f.Until != nil {
		out.until = f.Until.UTC()
	}
	if !out.since.IsZero() && !out.until.IsZero() && out.since.After(out.until) {
		return out, apperr.Input("filter.since must not be after filter.until")
	}
	if f.Channels != nil {
		out.channels = slices.Clone(f.Channels)
		slices.Sort(out.channels)
		out.channels = slices.Compact(out.channels)
	}
	if f.Kinds != nil {
		out.kinds = slices.Clone(f.Kinds)
		slices.Sort(out.kinds)
		out.kinds = slices.Compact(out.kinds)
	}
	return out, nil
}

// fingerprint identifies the filter in cursors: a short hash of its
// canonical form, "" for no filter. It holds nothing readable.
func (f timelineFilter) fingerprint() string {
	if f.since.IsZero() && f.until.IsZero() && f.channels == nil && f.kinds == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("s=")
	if !f.since.IsZero() {
		b.WriteString(f.since.Format(time.RFC3339Nano))
	}
	b.WriteString(";u=")
	if !f.until.IsZero() {
		b.WriteString(f.until.Format(time.RFC3339Nano))
	}
	if f.channels != nil {
		b.WriteString(";c=")
		for _, c := range f.channels {
			b.WriteString(string(c) + ",")
		}
	}
	if f.kinds != nil {
		b.WriteString(";k=")
		for _, k := range f.kinds {
			b.WriteString(string(k) + ",")
		}
	}
	h := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(h[:8])
}

// decodeTimelineCursor reads `after` and checks it was made with filter f.
func decodeTimelineCursor(after *string, f timelineFilter) (timeline.Cursor, error) {
	if after == nil || *after == "" {
		return timeline.Cursor{}.WithFilter(f.fingerprint()), nil
	}
	cur, err := timeline.Decode(*after)
	if err != nil {
		return timeline.Cursor{}, apperr.Input("after is not a cursor of this timeline")
	}
	if cur.Filter() != f.fingerprint() {
		return timeline.Cursor{}, apperr.Input("after was made with another filter; start again without it")
	}
	return cur, nil
}

// wantsKind reports whether the filter keeps kind k.
func (f timelineFilter) wantsKind(k model.TimelineKind) bool {
	return f.kinds == nil || slices.Contains(f.kinds, k)
}

// wantsOrders reports whether any order could pass: orders are on WEB or
// STORE and of kind ORDER.
func (f timelineFilter) wantsOrders() bool {
	return f.wantsKind(model.TimelineKindOrder) &&
		(f.channels == nil || slices.Contains(f.channels, model.ChannelWeb) || slices.Contains(f.channels, model.ChannelStore))
}

// wantsInteractions reports whether any interaction could pass.
func (f timelineFilter) wantsInteractions() bool {
	return f.kinds == nil || slices.ContainsFunc(f.kinds, func(k model.TimelineKind) bool { return k != model.TimelineKindOrder })
}

// keep is the per-item filter applied to what a source answered, nil when
// nothing needs filtering.
func (f timelineFilter) keep() func(timeline.Item) bool {
	if f.channels == nil && f.kinds == nil {
		return nil
	}
	return func(it timeline.Item) bool {
		ch, k := channelKind(it)
		return (f.channels == nil || slices.Contains(f.channels, ch)) && f.wantsKind(k)
	}
}

// channelKind is the channel and kind an item shows with on the timeline.
func channelKind(it timeline.Item) (model.Channel, model.TimelineKind) {
	if it.Order != nil {
		if it.Order.Channel == connectors.OrderChannelStore {
			return model.ChannelStore, model.TimelineKindOrder
		}
		return model.ChannelWeb, model.TimelineKindOrder
	}
	return toChannel(it.Interaction.Channel), interactionKind(it.Interaction.Type)
}

func interactionKind(t string) model.TimelineKind {
	k := model.TimelineKind(toInteractionType(t))
	if !k.IsValid() {
		return model.TimelineKindOther
	}
	return k
}

// storeValues are the stored values (lower-case connector names) that map
// onto the filter's channels and kinds, for the store query.
// A list is left empty (not pushed down) when it asks for OTHER, which is
// any value Harmony has no name for; Keep filters then.
func (f timelineFilter) storeValues() (chans, types []string) {
	for _, c := range f.channels {
		if c == model.ChannelOther {
			chans = nil
			break
		}
		for name, m := range channels {
			if m == c {
				chans = append(chans, name)
			}
		}
		chans = append(chans, strings.ToLower(string(c)))
	}
	for _, k := range f.kinds {
		if k == model.TimelineKindOther {
			types = nil
			break
		}
		for name, m := range interactionTypes {
			if string(m) == string(k) {
				types = append(types, name)
			}
		}
	}
	slices.Sort(chans)
	slices.Sort(types)
	return slices.Compact(chans), slices.Compact(types)
}

// pendingTimeline is a timeline page whose reads are issued.
type pendingTimeline struct {
	orders       *pendingFetch[connectors.Order]
	interactions *pendingFetch[connectors.Interaction]
	activity     dataloader.Thunk[[]store.Activity] // nil: not read
	activityW    connectors.Window
}

// startTimeline issues the reads of one page of the journey: every order and
// interaction stream of the customer, and its stored activity, is asked for
// at most n+1 items past its position in the cursor, inside the filter's
// time bounds (pushed down as connectors.Window Since/Until). Streams that
// no entry of the filter could come from are not read at all: orders for a
// filter without ORDER or without WEB/STORE, interactions for a filter of
// orders only. The channel and kind filters are pushed into the store query
// of the stored activity; the connectors cannot take them, so their answers
// are filtered here (see timeline.Stream.Keep).
func (r *Resolver) startTimeline(ctx context.Context, customerID string, keys map[string][]string, cur timeline.Cursor, n int, f timelineFilter) *pendingTimeline {
	window := func(c connectors.Capability, wanted bool) func(*sources.Source) (connectors.Window, bool) {
		return func(src *sources.Source) (connectors.Window, bool) {
			if !wanted {
				return connectors.Window{}, false
			}
			return cur.WindowIn(streamName(src, c), n, f.since, f.until)
		}
	}
	p := &pendingTimeline{
		orders:       startFetch(ctx, r.Sources.With(connectors.CapOrders), keys, window(connectors.CapOrders, f.wantsOrders()), loadOrders, orderAt),
		interactions: startFetch(ctx, r.Sources.With(connectors.CapInteractions), keys, window(connectors.CapInteractions, f.wantsInteractions()), loadInteractions, interactionAt),
	}
	if w, ok := cur.WindowIn(activityStream, n, f.since, f.until); ok && f.wantsInteractions() && r.reader() != nil {
		chans, types := f.storeValues()
		p.activityW = w
		p.activity = loaders.From(ctx).Activities(ctx, loaders.NewActivityKey(customerID, w, chans, types))
	}
	return p
}

// wait collects the page's reads into timeline streams, and the sources it
// answered stale (gaps with reason STALE).
func (p *pendingTimeline) wait(ctx context.Context, f timelineFilter) ([]timeline.Stream, []model.TimelineGap) {
	keep := f.keep()
	orders, interactions := p.orders.wait(), p.interactions.wait()
	st := stalenessOf(ctx)
	stale := append(staleGaps(st, orders, connectors.CapOrders), staleGaps(st, interactions, connectors.CapInteractions)...)
	streams := append(
		toStreams(orders, connectors.CapOrders, func(o *connectors.Order) timeline.Item {
			return timeline.Item{ID: o.ID, At: o.PlacedAt, Order: o}
		}),
		toStreams(interactions, connectors.CapInteractions, func(it *connectors.Interaction) timeline.Item {
			return timeline.Item{ID: it.ID, At: it.OccurredAt, Interaction: it}
		})...)
	if p.activity != nil {
		acts, err := p.activity()
		// Live: what is stored while a client pages shows when the pages
		// reach its time (one cheap indexed query per page).
		s := timeline.Stream{Name: activityStream, Source: harmonySource, Capability: capActivity, Asked: p.activityW.Limit, Err: err, Live: true}
		for _, a := range acts {
			it := activityInteraction(a)
			item := timeline.Item{ID: it.ID, At: it.OccurredAt, Interaction: &it}
			if sendRecord(a) {
				item.Origin, item.OriginID = a.Connector, a.Interaction.ID
			}
			s.Items = append(s.Items, item)
		}
		streams = append(streams, s)
	}
	for i := range streams {
		streams[i].Keep = keep
	}
	return streams, stale
}

// activityInteraction is the interaction a stored event reports, as the
// harmony source shows it: its ID is the stored event's (opaque) ID.
func activityInteraction(a store.Activity) connectors.Interaction {
	in := a.Interaction
	if in == nil {
		in = &store.Interaction{Type: "other"}
	}
	out := connectors.Interaction{
		ID: a.ID, Channel: in.Channel, Type: in.Type, Direction: in.Direction,
		OccurredAt: a.OccurredAt.UTC(), Summary: in.Summary, Status: in.Status, ThreadRef: in.ThreadRef,
		Duration: in.Duration, FirstResponseAt: in.FirstResponseAt, ResolvedAt: in.ResolvedAt,
		Attributes: map[string]string{"origin": a.Connector},
	}
	if !in.OccurredAt.IsZero() {
		out.OccurredAt = in.OccurredAt.UTC()
	}
	if in.ID != "" {
		out.Attributes["originId"] = in.ID
	}
	for _, at := range in.Attributes {
		if _, taken := out.Attributes[at.Name]; !taken {
			out.Attributes[at.Name] = at.Value
		}
	}
	return out
}

// timelinePage merges what the streams answered into a page, newest first:
// entries answered stale are marked, and their sources listed in gaps
// (stale) after those that failed.
func timelinePage(ctx context.Context, cur timeline.Cursor, n int, streams []timeline.Stream, stale []model.TimelineGap) *model.TimelineConnection {
	page := timeline.Merge(cur, streams, n)
	out := &model.TimelineConnection{
		Edges:    make([]model.TimelineEdge, len(page.Entries)),
		PageInfo: model.PageInfo{HasNextPage: page.HasNext},
		Gaps:     make([]model.TimelineGap, len(page.Gaps), len(page.Gaps)+len(stale)),
	}
	want := cursorsAsked(ctx)
	st := stalenessOf(ctx)
	for i, e := range page.Entries {
		out.Edges[i] = model.TimelineEdge{Node: toTimelineEntry(e.Source, e.Order, e.Interaction)}
		st.entry(&out.Edges[i].Node, e.Order, e.Interaction)
		if want.edges || (i == 0 && want.start) {
			out.Edges[i].Cursor = e.Cursor.Encode()
		}
	}
	if len(out.Edges) > 0 {
		out.PageInfo.StartCursor = &out.Edges[0].Cursor
	}
	if want.end {
		end := page.End.Encode()
		out.PageInfo.EndCursor = &end
	}
	var fails failures
	for i, g := range page.Gaps {
		code, err := string(connectors.CodeOf(g.Err)), g.Err
		if g.Source == harmonySource {
			code, err = string(apperr.CodeStoreUnavailable), apperr.Store(err)
		}
		out.Gaps[i] = model.TimelineGap{Source: g.Source, Capability: string(g.Capability), Code: code, Reason: model.TimelineGapReasonFailed}
		fails.add(ctx, g.Source+"/"+string(g.Capability), err)
	}
	out.Gaps = append(out.Gaps, stale...)
	return out
}

// askedCursors says which of a timeline page's cursors the operation reads.
type askedCursors struct{ edges, start, end bool }

// cursorsAsked reads the timeline field's selection: a cursor costs a copy
// of its positions, JSON and base64, and the customer 360 reads one
// (pageInfo.endCursor) of a page's n+1. Outside an operation (no field
// context) every cursor is asked.
func cursorsAsked(ctx context.Context) askedCursors {
	if fc := graphql.GetFieldContext(ctx); fc == nil || fc.Field.Field == nil || !graphql.HasOperationContext(ctx) {
		return askedCursors{edges: true, start: true, end: true}
	}
	oc := graphql.GetOperationContext(ctx)
	var a askedCursors
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{"TimelineConnection"}) {
		switch f.Name {
		case "edges":
			for _, e := range graphql.CollectFields(oc, f.Selections, []string{"TimelineEdge"}) {
				a.edges = a.edges || e.Name == "cursor"
			}
		case "pageInfo":
			for _, p := range graphql.CollectFields(oc, f.Selections, []string{"PageInfo"}) {
				a.start = a.start || p.Name == "startCursor"
				a.end = a.end || p.Name == "endCursor"
			}
		}
	}
	return a
}

// timeline answers Customer.timeline.
func (r *Resolver) timeline(ctx context.Context, obj *model.Customer, first *int, after *string, filter *model.TimelineFilter) (*model.TimelineConnection, error) {
	n, err := pageSize(first, 20)
	if err != nil {
		return nil, err
	}
	f, err := parseTimelineFilter(filter)
	if err != nil {
		return nil, err
	}
	cur, err := decodeTimelineCursor(after, f)
	if err != nil {
		return nil, err
	}
	p, err := perCustomer(ctx, obj, func(id string, keys map[string][]string) *pendingTimeline {
		return r.startTimeline(ctx, id, keys, cur, n, f)
	})
	if err != nil {
		return nil, err
	}
	streams, stale := p.wait(ctx, f)
	return timelinePage(ctx, cur, n, streams, stale), nil
}

// toStreams makes one timeline stream of each source's answer.
func toStreams[T any](all []fetched[T], c connectors.Capability, item func(*T) timeline.Item) []timeline.Stream {
	streams := make([]timeline.Stream, len(all))
	for i, f := range all {
		s := timeline.Stream{Name: streamName(f.src, c), Source: f.src.Name(), Capability: c, Asked: f.w.Limit, Err: f.err,
			Items: make([]timeline.Item, 0, len(f.items))}
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
