package resolvers

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/journey"
	"github.com/harmonyhq/harmony/internal/level"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/sources"
)

// Transcript cursors are opaque to clients: the source, interaction and
// message of the last entry of a page, so that a page goes on after that
// entry even when newer ones joined the conversation.
const transcriptCursorPrefix = "transcript:"

func transcriptCursor(e *model.TranscriptEntry) string {
	msg := ""
	if e.MessageID != nil {
		msg = *e.MessageID
	}
	return base64.RawURLEncoding.EncodeToString([]byte(transcriptCursorPrefix + e.Source + "\x00" + e.InteractionID + "\x00" + msg))
}

// messageSources are the sources serving the messages of conversations,
// by name.
func (r *Resolver) messageSources() map[string]*sources.Source {
	if r.Sources == nil {
		return nil
	}
	out := map[string]*sources.Source{}
	for _, s := range r.Sources.With(connectors.CapMessages) {
		out[s.Name()] = s
	}
	return out
}

// loadMessages issues the loads of the messages of c's interactions from
// the sources that serve them, one thunk per interaction (nil for the
// others). Nothing waits: issued for every conversation of a page, they
// form one batch per source.
func (r *Resolver) loadMessages(ctx context.Context, srcs map[string]*sources.Source, c *model.Conversation) []dataloader.Thunk[[]connectors.Message] {
	out := make([]dataloader.Thunk[[]connectors.Message], len(c.Messages))
	l := loaders.From(ctx)
	for i := range c.Messages {
		if src := srcs[c.Messages[i].Source]; src != nil && c.Messages[i].ID != "" {
			out[i] = l.Messages(ctx, src, c.Messages[i].ID)
		}
	}
	return out
}

// preloadTranscripts issues the message reads of every conversation of
// the page (of every customer of the level, whose pages read the same
// arguments) when the operation selects their transcripts, so that the
// first transcript to wait sends them all in one call per source.
func (r *Resolver) preloadTranscripts(ctx context.Context, obj *model.Customer, page []model.ConversationEdge, n int, afterID string) {
	srcs := r.messageSources()
	tf := transcriptField(ctx)
	if len(srcs) == 0 || tf == nil {
		return
	}
	lv := obj.Level
	if lv == nil {
		for i := range page {
			r.loadMessages(ctx, srcs, &page[i].Node)
		}
		return
	}
	// Once per level: every member's conversations were read in one batch
	// (perCustomer), and the current member waited on it already.
	level.Do(lv, tf, func() bool {
		all := level.Do(lv, graphql.GetFieldContext(ctx).Field.Field, func() []*pendingConversations { return nil })
		for _, p := range all {
			if p == nil {
				continue
			}
			threads := journey.Threads(p.items(), r.ConversationWindow, r.now())
			start, end, ok := conversationRange(threads, n, afterID)
			if !ok {
				continue
			}
			for _, t := range threads[start:end] {
				r.loadMessages(ctx, srcs, toConversation(t))
			}
		}
		return true
	})
}

// transcriptField is the transcript field the current conversations field
// selects under edges.node (fragments included), nil when none.
func transcriptField(ctx context.Context) *ast.Field {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	for _, edges := range graphql.CollectFields(oc, fc.Field.Selections, []string{"ConversationConnection"}) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(oc, edges.Selections, []string{"ConversationEdge"}) {
			if node.Name != "node" {
				continue
			}
			for _, f := range graphql.CollectFields(oc, node.Selections, []string{"Conversation"}) {
				if f.Name == "transcript" {
					return f.Field
				}
			}
		}
	}
	return nil
}

// transcript answers Conversation.transcript: the conversation's entries
// (each interaction's messages where its system serves them, else the
// interaction itself), oldest first, a page at a time.
func (r *Resolver) transcript(ctx context.Context, c *model.Conversation, first *int, after *string) (*model.TranscriptConnection, error) {
	n, err := pageSize(first, 50)
	if err != nil {
		return nil, err
	}
	var want string
	if after != nil && *after != "" {
		b, err := base64.RawURLEncoding.DecodeString(*after)
		if err != nil || !strings.HasPrefix(string(b), transcriptCursorPrefix) {
			return nil, apperr.Input("after is not a cursor of this transcript")
		}
		want = *after
	}
	var msgs [][]connectors.Message
	if srcs := r.messageSources(); len(srcs) > 0 {
		thunks := r.loadMessages(ctx, srcs, c)
		msgs = make([][]connectors.Message, len(thunks))
		var fails failures
		for i, th := range thunks {
			if th == nil {
				continue
			}
			if msgs[i], err = th(); err != nil {
				fails.add(ctx, c.Messages[i].Source, err)
				msgs[i] = nil
			}
		}
	}
	return transcriptPage(transcriptEntries(c, msgs), n, want)
}

// transcriptEntries lays out c's entries: msgs[i], when not empty, stands
// for c.Messages[i]; entries are ordered by time, an interaction's own
// order kept for ties.
func transcriptEntries(c *model.Conversation, msgs [][]connectors.Message) []model.TranscriptEntry {
	var out []model.TranscriptEntry
	for i := range c.Messages {
		it := &c.Messages[i]
		if i < len(msgs) && len(msgs[i]) > 0 {
			for _, m := range msgs[i] {
				e := model.TranscriptEntry{InteractionID: it.ID, MessageID: strPtr(m.ID), Source: it.Source,
					At: m.SentAt.UTC(), Channel: it.Channel, Text: strPtr(m.Text)}
				if m.Channel != "" {
					e.Channel = toChannel(m.Channel)
				}
				if a, ok := authors[m.Author]; ok {
					e.Author = &a
				}
				out = append(out, e)
			}
			continue
		}
		out = append(out, model.TranscriptEntry{InteractionID: it.ID, Source: it.Source, At: it.OccurredAt,
			Channel: it.Channel, Author: it.Author, Text: it.Summary})
	}
	slices.SortStableFunc(out, func(a, b model.TranscriptEntry) int { return a.At.Compare(b.At) })
	return out
}

// transcriptPage pages through entries after the entry whose cursor is
// after ("" for the first page).
func transcriptPage(entries []model.TranscriptEntry, n int, after string) (*model.TranscriptConnection, error) {
	start := 0
	if after != "" {
		start = -1
		for i := range entries {
			if transcriptCursor(&entries[i]) == after {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return nil, apperr.Input("after names an entry that is no longer in the conversation; start again without it")
		}
	}
	end := min(start+n, len(entries))
	out := &model.TranscriptConnection{Edges: make([]model.TranscriptEdge, 0, end-start),
		PageInfo: model.PageInfo{HasNextPage: end < len(entries)}}
	for i := start; i < end; i++ {
		out.Edges = append(out.Edges, model.TranscriptEdge{Cursor: transcriptCursor(&entries[i]), Node: entries[i]})
	}
	if len(out.Edges) > 0 {
		out.PageInfo.StartCursor = &out.Edges[0].Cursor
		out.PageInfo.EndCursor = &out.Edges[len(out.Edges)-1].Cursor
	}
	return out, nil
}
