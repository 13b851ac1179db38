package resolvers

import (
	"encoding/base64"
	"strings"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
)

// Transcript cursors are opaque to clients: the source and ID of the last
// entry of a page, so that a page goes on after that entry even when
// newer ones joined the conversation.
const transcriptCursorPrefix = "transcript:"

func transcriptCursor(m *model.Interaction) string {
	return base64.RawURLEncoding.EncodeToString([]byte(transcriptCursorPrefix + m.Source + "\x00" + m.ID))
}

// transcript pages through a conversation's interactions, already read
// with the conversation (oldest first): no upstream call of its own.
func transcript(c *model.Conversation, first *int, after *string) (*model.TranscriptConnection, error) {
	n, err := pageSize(first, 50)
	if err != nil {
		return nil, err
	}
	start := 0
	if after != nil && *after != "" {
		b, err := base64.RawURLEncoding.DecodeString(*after)
		if err != nil || !strings.HasPrefix(string(b), transcriptCursorPrefix) {
			return nil, apperr.Input("after is not a cursor of this transcript")
		}
		want := *after
		start = -1
		for i := range c.Messages {
			if transcriptCursor(&c.Messages[i]) == want {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return nil, apperr.Input("after names an entry that is no longer in the conversation; start again without it")
		}
	}
	end := min(start+n, len(c.Messages))
	out := &model.TranscriptConnection{Edges: make([]model.TranscriptEdge, 0, end-start),
		PageInfo: model.PageInfo{HasNextPage: end < len(c.Messages)}}
	for i := start; i < end; i++ {
		m := &c.Messages[i]
		out.Edges = append(out.Edges, model.TranscriptEdge{Cursor: transcriptCursor(m), Node: model.TranscriptEntry{
			InteractionID: m.ID, Source: m.Source, At: m.OccurredAt, Channel: m.Channel, Author: m.Author, Text: m.Summary}})
	}
	if len(out.Edges) > 0 {
		out.PageInfo.StartCursor = &out.Edges[0].Cursor
		out.PageInfo.EndCursor = &out.Edges[len(out.Edges)-1].Cursor
	}
	return out, nil
}
