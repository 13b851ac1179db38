package resolvers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/audit"
	"github.com/harmonyhq/harmony/internal/journey"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/store"
)

// conversationItems is how many of its newest interactions each source (and
// the stored activity) is asked for to thread conversations: the same
// window as the metrics, so both share one upstream read.
const conversationItems = metricsInteractions

// pendingConversations is a conversations read whose loads are issued.
type pendingConversations struct {
	interactions *pendingFetch[connectors.Interaction]
	activity     dataloader.Thunk[[]store.Activity]
}

// startConversations issues the reads conversations rest on: each source's
// newest interactions through the loaders (one batch per source for a
// list of customers) and the stored activity (one store query).
func (r *Resolver) startConversations(ctx context.Context, customerID string, keys map[string][]string) *pendingConversations {
	p := &pendingConversations{interactions: r.startInteractions(ctx, keys, conversationItems)}
	if r.reader() != nil {
		p.activity = loaders.From(ctx).Activities(ctx, loaders.NewActivityKey(customerID, connectors.Window{Limit: conversationItems}, nil, nil))
	}
	return p
}

// wait gathers every source's interactions, reporting failing sources on
// the current field.
func (p *pendingConversations) wait(ctx context.Context) []journey.Item {
	var fails failures
	var items []journey.Item
	for _, f := range p.interactions.wait() {
		if f.err != nil {
			fails.add(ctx, f.src.Name(), f.err)
			continue
		}
		for _, it := range f.items {
			items = append(items, journey.Item{Source: f.src.Name(), Interaction: it})
		}
	}
	if p.activity != nil {
		acts, err := p.activity()
		if err != nil {
			fails.add(ctx, harmonySource, apperr.Store(err))
		}
		for _, a := range acts {
			it := activityInteraction(a)
			item := journey.Item{Source: harmonySource, Interaction: it, Origin: a.Connector}
			if a.Interaction != nil {
				item.OriginID = a.Interaction.ID
			}
			items = append(items, item)
		}
	}
	return items
}

const conversationCursorPrefix = "conversation:"

// conversationRange is the page of threads after the thread afterID (""
// for the first page): threads[start:end]; ok is false when afterID is
// not listed.
func conversationRange(threads []journey.Thread, n int, afterID string) (start, end int, ok bool) {
	if afterID != "" {
		start = -1
		for i, t := range threads {
			if t.ID == afterID {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return 0, 0, false
		}
	}
	return start, min(start+n, len(threads)), true
}

// items are the interactions the conversations rest on, failures left
// out: for reads on behalf of a level's other members, whose own fields
// report them.
func (p *pendingConversations) items() []journey.Item {
	var items []journey.Item
	// Read from the thunks, not through wait, which the member's own
	// field calls and which writes what it collects.
	for i, ths := range p.interactions.thunks {
		src := p.interactions.out[i].src.Name()
		var got []journey.Item
		for _, th := range ths {
			its, err := th()
			if err != nil {
				got = nil
				break
			}
			for _, it := range its {
				got = append(got, journey.Item{Source: src, Interaction: it})
			}
		}
		items = append(items, got...)
	}
	if p.activity != nil {
		acts, _ := p.activity()
		for _, a := range acts {
			item := journey.Item{Source: harmonySource, Interaction: activityInteraction(a), Origin: a.Connector}
			if a.Interaction != nil {
				item.OriginID = a.Interaction.ID
			}
			items = append(items, item)
		}
	}
	return items
}

// conversations answers Customer.conversations.
func (r *Resolver) conversations(ctx context.Context, obj *model.Customer, first *int, after *string) (*model.ConversationConnection, error) {
	n, err := pageSize(first, 20)
	if err != nil {
		return nil, err
	}
	afterID := ""
	if after != nil && *after != "" {
		b, err := base64.RawURLEncoding.DecodeString(*after)
		if err != nil || !strings.HasPrefix(string(b), conversationCursorPrefix) {
			return nil, apperr.Input("after is not a cursor of these conversations")
		}
		afterID = strings.TrimPrefix(string(b), conversationCursorPrefix)
	}
	p, err := perCustomer(ctx, obj, func(id string, keys map[string][]string) *pendingConversations {
		return r.startConversations(ctx, id, keys)
	})
	if err != nil {
		return nil, err
	}
	threads := journey.Threads(p.wait(ctx), r.ConversationWindow, r.now())
	start, end, ok := conversationRange(threads, n, afterID)
	if !ok {
		return nil, apperr.Input("after names a conversation that is no longer listed; start again without it")
	}
	out := &model.ConversationConnection{Edges: make([]model.ConversationEdge, 0, end-start),
		PageInfo: model.PageInfo{HasNextPage: end < len(threads)}}
	for _, t := range threads[start:end] {
		c := base64.RawURLEncoding.EncodeToString([]byte(conversationCursorPrefix + t.ID))
		out.Edges = append(out.Edges, model.ConversationEdge{Cursor: c, Node: *toConversation(t)})
	}
	if len(out.Edges) > 0 {
		out.PageInfo.StartCursor = &out.Edges[0].Cursor
		out.PageInfo.EndCursor = &out.Edges[len(out.Edges)-1].Cursor
	}
	r.preloadTranscripts(ctx, obj, out.Edges, n, afterID) // transcript.go
	return out, nil
}

func toConversation(t journey.Thread) *model.Conversation {
	c := &model.Conversation{ID: t.ID, StartedAt: t.StartedAt.UTC(), LastActivityAt: t.LastActivityAt.UTC(),
		Status: model.ConversationStatusClosed, ThreadRef: strPtr(t.Ref),
		Channels: make([]model.Channel, len(t.Channels)), Messages: make([]model.Interaction, len(t.Items))}
	if t.Open {
		c.Status = model.ConversationStatusOpen
	}
	for i, ch := range t.Channels {
		c.Channels[i] = toChannel(ch)
	}
	for i, it := range t.Items {
		c.Messages[i] = toInteraction(it.Source, it.Interaction)
	}
	return c
}

// Limits of a recorded interaction.
const (
	maxRecordSummary    = 500
	maxRecordAttributes = 20
	maxAttributeName    = 64
	maxAttributeValue   = 500
	maxClientID         = 128
	maxThreadRef        = 200
	maxFutureSkew       = 5 * time.Minute
)

// recordInteraction answers Mutation.recordInteraction: it stores the
// interaction in the events collection under the connector name
// harmonySource, idempotently by clientId.
func (r *Resolver) recordInteraction(ctx context.Context, in model.RecordInteractionInput) (*model.Interaction, error) {
	if err := checkRecordInput(in); err != nil {
		return nil, err
	}
	now := r.now()
	at := now
	if in.OccurredAt != nil {
		at = in.OccurredAt.UTC()
		if at.After(now.Add(maxFutureSkew)) {
			return nil, apperr.Input("occurredAt must not be in the future")
		}
	}
	c, err := loaders.From(ctx).Customer(ctx, in.CustomerID)()
	if err != nil {
		return nil, apperr.Store(err)
	}
	if c == nil {
		return nil, apperr.Coded(apperr.CodeNotFound, "no customer has that ID")
	}
	if c.ErasedAt != nil {
		return nil, apperr.Coded(apperr.CodeErased, "the customer's data was erased")
	}
	audit.NoteCustomer(ctx, c.ID)

	eventID := ""
	if in.ClientID != nil && *in.ClientID != "" {
		// Scoped by customer, so two customers' clients cannot collide.
		eventID = "client:" + c.ID + ":" + *in.ClientID
	} else {
		b := make([]byte, 16)
		_, _ = rand.Read(b) // never fails (crypto/rand)
		eventID = "rec:" + hex.EncodeToString(b)
	}
	id := store.ActivityID(harmonySource, eventID)
	si := &store.Interaction{ID: id, Channel: strings.ToLower(string(in.Channel)), Type: strings.ToLower(string(in.Type)),
		OccurredAt: at, Summary: deref(in.Summary), ThreadRef: deref(in.ThreadRef)}
	if in.Direction != nil {
		si.Direction = strings.ToLower(string(*in.Direction))
	}
	for _, a := range in.Attributes {
		si.Attributes = append(si.Attributes, store.Attribute{Name: a.Name, Value: a.Value})
	}
	a := store.Activity{ID: id, Connector: harmonySource, EventID: eventID, Type: "interaction.recorded",
		CustomerID: c.ID, ReceivedAt: now, OccurredAt: at, Interaction: si}
	stored, err := r.Store.AddActivities(ctx, []store.Activity{a})
	if err != nil {
		return nil, apperr.Store(err)
	}
	if stored[0] {
		r.publish(ctx, a)
	}
	if !stored[0] {
		// Recorded before with this clientId: answer the first record.
		prev, err := r.Store.ActivityByID(ctx, id)
		if err != nil {
			return nil, apperr.Store(err)
		}
		if prev == nil || prev.CustomerID != c.ID {
			return nil, apperr.Input("clientId was used for another record")
		}
		a = *prev
	}
	loaders.From(ctx).ForgetActivities()
	out := toInteraction(harmonySource, activityInteraction(a))
	return &out, nil
}

// checkRecordInput bounds what a client may store.
func checkRecordInput(in model.RecordInteractionInput) error {
	if in.Summary != nil && utf8.RuneCountInString(*in.Summary) > maxRecordSummary {
		return apperr.Input("summary is longer than %d characters", maxRecordSummary)
	}
	if in.ThreadRef != nil && len(*in.ThreadRef) > maxThreadRef {
		return apperr.Input("threadRef is longer than %d bytes", maxThreadRef)
	}
	if in.ClientID != nil && len(*in.ClientID) > maxClientID {
		return apperr.Input("clientId is longer than %d bytes", maxClientID)
	}
	if len(in.Attributes) > maxRecordAttributes {
		return apperr.Input("at most %d attributes", maxRecordAttributes)
	}
	for _, a := range in.Attributes {
		if a.Name == "" || len(a.Name) > maxAttributeName || utf8.RuneCountInString(a.Value) > maxAttributeValue {
			return apperr.Input("attribute names are 1 to %d bytes and values at most %d characters", maxAttributeName, maxAttributeValue)
		}
		if a.Name == "origin" || a.Name == "originId" {
			return apperr.Input("attribute name %q is reserved", a.Name)
		}
	}
	if !in.Channel.IsValid() || !in.Type.IsValid() {
		return apperr.Input("unknown channel or type")
	}
	return nil
}
