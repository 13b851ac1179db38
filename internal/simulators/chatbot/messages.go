package chatbot

import (
	"fmt"
	"net/http"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Message is one line of a bot conversation as the API writes it: the
// role is "end_user" or "bot".
type Message struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	Role           string `json:"role"`
	Text           string `json:"text"`
	CreatedAt      string `json:"created_at"`
}

type messagesResponse struct {
	Data []Message `json:"data"`
}

// serveMessages answers GET /api/v2/conversations/messages
// ?conversation_ids=bc_1,bc_2: every message of the conversations asked,
// oldest first, in one answer; unknown conversations have none.
func (s *Server) serveMessages(w http.ResponseWriter, r *http.Request) {
	ids, err := simhttp.SplitIDs(r.URL.Query().Get("conversation_ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := messagesResponse{Data: []Message{}}
	for _, id := range simhttp.Dedupe(ids) {
		if c, ok := s.byConv[id]; ok {
			out.Data = append(out.Data, ConversationMessages(c)...)
		}
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

// ConversationMessages are a bot conversation's messages, oldest first:
// the person asks about its topic, then the person and the bot take turns
// up to its messages_count, spread until it ended; a conversation handed
// off ends with the bot passing the person to an agent, who goes on in the
// helpdesk under the same thread ref. The same on every run.
func ConversationMessages(c Conversation) []Message {
	n := max(c.MessagesCount, 1)
	start, err := time.Parse(time.RFC3339, c.CreatedAt)
	if err != nil {
		start = c.at
	}
	end := start.Add(2 * time.Minute)
	if t, err := time.Parse(time.RFC3339, c.EndedAt); err == nil && t.After(start) {
		end = t
	}
	out := make([]Message, 0, n)
	for i := range n {
		at := start
		if n > 1 {
			at = start.Add(end.Sub(start) * time.Duration(i) / time.Duration(n-1)).Truncate(time.Second)
		}
		m := Message{ID: fmt.Sprintf("%s-m%d", c.ID, i+1), ConversationID: c.ID, CreatedAt: simhttp.RFC3339(at)}
		switch {
		case i == 0:
			m.Role, m.Text = "end_user", "Hi, I have a question: "+c.Topic
		case i == n-1 && c.Handoff != nil:
			m.Role, m.Text = "bot", "I am passing you to one of our agents, who will take it from here."
		case i%2 == 1:
			m.Role, m.Text = "bot", simhttp.Line(botLines, c.ID, i)
		default:
			m.Role, m.Text = "end_user", simhttp.Line(userLines, c.ID, i)
		}
		out = append(out, m)
	}
	return out
}

var (
	botLines = []string{
		"Sure, I can help with that.",
		"Here is what I found in our help centre.",
		"Could you tell me your order number?",
		"Thanks! Anything else?",
	}
	userLines = []string{
		"OK.",
		"That does not answer my question.",
		"Thanks, that helps.",
		"Can I talk to a person?",
	}
)
