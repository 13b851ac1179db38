package helpdesk

import (
	"fmt"
	"net/http"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// ThreadMessage is one message of a conversation as the API writes it,
// in the manner of Zendesk's Sunshine Conversations: the author's type is
// "user" (the customer) or "business" (an agent).
type ThreadMessage struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	Author         Author `json:"author"`
	Channel        string `json:"channel"`
	Body           string `json:"body"`
	CreatedAt      string `json:"created_at"`
}

// Author is who wrote a message.
type Author struct {
	Type string `json:"type"` // user, business
}

type threadMessagesResponse struct {
	Messages []ThreadMessage `json:"messages"`
}

// conversationRef locates a conversation of the store.
type conversationRef struct {
	user int64
	conv population.Conversation
}

// indexConversations maps every conversation ID to its user, for the
// messages endpoint.
func (st *store) indexConversations() map[string]conversationRef {
	out := map[string]conversationRef{}
	for user, convs := range st.convs {
		for _, c := range convs {
			out[c.ID] = conversationRef{user: user, conv: c}
		}
	}
	return out
}

// threadMessages answers GET /api/v2/conversations/messages.json
// ?conversation_ids=cv_1,cv_2: the messages of every conversation asked,
// oldest first, in one answer. Unknown conversations (and those of
// deleted users) have none.
func (s *Server) threadMessages(w http.ResponseWriter, r *http.Request) {
	ids, err := simhttp.SplitIDs(r.URL.Query().Get("conversation_ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := threadMessagesResponse{Messages: []ThreadMessage{}}
	for _, id := range simhttp.Dedupe(ids) {
		ref, ok := s.byConversation[id]
		if !ok || s.erased.has(ref.user) {
			continue
		}
		out.Messages = append(out.Messages, ConversationMessages(ref.conv)...)
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

var (
	agentLines = []string{
		"Hello, thanks for reaching out. Let me look into this for you.",
		"I have checked your account: here is what I found.",
		"Could you confirm the order number, please?",
		"Thank you. I have raised this with the team.",
		"That is sorted now. Is there anything else I can help with?",
		"Sorry for the wait, we are a little busy today.",
	}
	customerLines = []string{
		"Thanks.",
		"Yes, that's the one.",
		"OK, how long will it take?",
		"Great, thank you for your help!",
		"I still have not received anything.",
		"Could you send me a confirmation by e-mail?",
	}
)

// ConversationMessages are a conversation's messages, oldest first: the
// customer's opening message (its subject), the agent's first answer at
// the first response time, then turns in alternation up to its
// messages_count, spread until it was solved (or two hours after the
// first answer). The same on every run.
func ConversationMessages(c population.Conversation) []ThreadMessage {
	msg := func(i int, typ string, at time.Time, body string) ThreadMessage {
		return ThreadMessage{ID: fmt.Sprintf("%s-m%d", c.ID, i+1), ConversationID: c.ID, Author: Author{Type: typ},
			Channel: c.Channel, Body: body, CreatedAt: simhttp.RFC3339(at)}
	}
	out := []ThreadMessage{msg(0, "user", c.CreatedAt, c.Subject)}
	if c.FirstResponseAt == nil || c.MessagesCount < 2 {
		return out
	}
	first := *c.FirstResponseAt
	end := first.Add(2 * time.Hour)
	if c.SolvedAt != nil {
		end = *c.SolvedAt
	}
	out = append(out, msg(1, "business", first, simhttp.Line(agentLines, c.ID, 1)))
	rest := c.MessagesCount - 2
	for k := range rest {
		at := first.Add(end.Sub(first) * time.Duration(k+1) / time.Duration(rest+1)).Truncate(time.Second)
		i := k + 2
		if i%2 == 0 {
			out = append(out, msg(i, "user", at, simhttp.Line(customerLines, c.ID, i)))
		} else {
			out = append(out, msg(i, "business", at, simhttp.Line(agentLines, c.ID, i)))
		}
	}
	return out
}
