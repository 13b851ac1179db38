package helpdesk

import (
	"net/http"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Conversation is a conversation as the API writes it.
type Conversation struct {
	ID              string        `json:"id"`
	UserID          int64         `json:"user_id"`
	Channel         string        `json:"channel"`
	Direction       string        `json:"direction"` // inbound; outbound for a sent message
	Subject         string        `json:"subject"`
	Status          string        `json:"status"`
	CreatedAt       string        `json:"created_at"`
	FirstResponseAt *string       `json:"first_response_at"`
	SolvedAt        *string       `json:"solved_at"`
	ThreadRef       string        `json:"thread_ref"`
	MessagesCount   int           `json:"messages_count"`
	Satisfaction    *Satisfaction `json:"satisfaction"`
}

// Satisfaction is a CSAT rating.
type Satisfaction struct {
	Score string `json:"score"` // good, bad
}

type conversationsResponse struct {
	Conversations []Conversation `json:"conversations"`
}

func (s *Server) conversations(w http.ResponseWriter, r *http.Request) {
	ids, err := numericIDs(r.URL.Query().Get("user_ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	var win simhttp.Window
	if win.Since, _, err = simhttp.TimeParam(r, "since"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	if win.Until, _, err = simhttp.TimeParam(r, "until"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	perUser, err := simhttp.IntParam(r, "per_user", 10, 0, simhttp.MaxPerKey)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := conversationsResponse{Conversations: []Conversation{}}
	at := func(c population.Conversation) time.Time { return c.CreatedAt }
	for _, id := range ids {
		if s.erased.has(id) {
			continue
		}
		for _, c := range simhttp.Newest(s.convsOf(id), at, win, perUser) {
			conv := toConversation(id, c)
			conv.Direction = s.direction(c.ID)
			out.Conversations = append(out.Conversations, conv)
		}
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

func toConversation(userID int64, c population.Conversation) Conversation {
	out := Conversation{
		ID:              c.ID,
		UserID:          userID,
		Channel:         c.Channel,
		Subject:         c.Subject,
		Status:          c.Status,
		CreatedAt:       simhttp.RFC3339(c.CreatedAt),
		FirstResponseAt: simhttp.RFC3339Ptr(c.FirstResponseAt),
		SolvedAt:        simhttp.RFC3339Ptr(c.SolvedAt),
		ThreadRef:       c.ThreadRef,
		MessagesCount:   c.MessagesCount,
	}
	if c.Satisfaction != "" {
		out.Satisfaction = &Satisfaction{Score: c.Satisfaction}
	}
	return out
}
