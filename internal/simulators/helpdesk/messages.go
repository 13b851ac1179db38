package helpdesk

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// OutboundMessage is one message of a send request, as the API reads it.
type OutboundMessage struct {
	UserID         string            `json:"user_id"`
	Channel        string            `json:"channel"` // whatsapp, chat
	Body           string            `json:"body"`
	Template       string            `json:"template"`
	Params         map[string]string `json:"params"`
	IdempotencyKey string            `json:"idempotency_key"`
}

// SendResult is the answer to one message of a send request.
type SendResult struct {
	ID             string `json:"id,omitempty"`
	Status         string `json:"status,omitempty"`
	IdempotencyKey string `json:"idempotency_key"`
	Error          string `json:"error,omitempty"`
}

type sendManyRequest struct {
	Messages []OutboundMessage `json:"messages"`
}

type sendManyResponse struct {
	Results []SendResult `json:"results"`
}

// sendChannels are the channels the helpdesk sends on.
var sendChannels = []string{"whatsapp", "chat"}

// sendMany sends outbound messages to users, one result per message in
// order: POST /api/v2/messages/send_many.json {"messages": [...]}. A
// message to an unknown (or deleted) user, on a channel the helpdesk does
// not serve, or with neither body nor template is refused on its own. A
// message repeating an idempotency key is answered as the first one was
// and not sent again. What a message says is never logged or kept.
func (s *Server) sendMany(w http.ResponseWriter, r *http.Request) {
	var req sendManyRequest
	if err := simhttp.DecodeJSON(w, r, &req); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	if len(req.Messages) == 0 || len(req.Messages) > 100 {
		simhttp.BadRequest(w, fmt.Errorf("messages: 1 to 100 required"))
		return
	}
	out := sendManyResponse{Results: make([]SendResult, len(req.Messages))}
	for i, m := range req.Messages {
		res := &out.Results[i]
		res.IdempotencyKey = m.IdempotencyKey
		id, err := strconv.ParseInt(m.UserID, 10, 64)
		_, known := s.store.byID[id]
		switch {
		case err != nil || !known || s.erased.has(id):
			res.Error = "unknown_user"
		case !slices.Contains(sendChannels, m.Channel):
			res.Error = "unsupported_channel"
		case m.Body == "" && m.Template == "":
			res.Error = "empty_message"
		default:
			sent, _ := s.outbox.Send(m.UserID, m.Channel, m.IdempotencyKey, time.Now())
			res.ID, res.Status = sent.ID, "queued"
		}
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

// Sent returns the messages sent, oldest first: recipients and channels
// only (tests).
func (s *Server) Sent() []simhttp.Sent { return s.outbox.Sent() }

// convsOf returns a user's conversations with the outbound messages sent to
// them, newest first. An outbound message is a conversation of one message.
func (s *Server) convsOf(id int64) []population.Conversation {
	sent := s.outbox.To(strconv.FormatInt(id, 10))
	if len(sent) == 0 {
		return s.store.convs[id]
	}
	out := make([]population.Conversation, 0, len(sent)+len(s.store.convs[id]))
	for _, m := range sent {
		out = append(out, population.Conversation{ID: m.ID, Channel: m.Channel, Subject: "Outbound message",
			Status: "sent", CreatedAt: m.At, ThreadRef: m.ID, MessagesCount: 1})
	}
	out = append(out, s.store.convs[id]...)
	slices.SortStableFunc(out, func(a, b population.Conversation) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out
}

// direction is "outbound" for a conversation that is a sent message,
// "inbound" otherwise.
func (s *Server) direction(convID string) string {
	if s.outbox.IsSent(convID) {
		return "outbound"
	}
	return "inbound"
}
