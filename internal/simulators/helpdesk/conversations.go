package helpdesk

import (
	"hash/fnv"
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

// Satisfaction is the customer's answer to the satisfaction survey sent
// when a conversation is solved: Zendesk's good or bad, and the 1 to 5
// rating of the same answer (4 and 5 are good, 1 to 3 bad).
type Satisfaction struct {
	Score  string `json:"score"`  // good, bad
	Rating int    `json:"rating"` // 1 to 5
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
		out.Satisfaction = &Satisfaction{Score: c.Satisfaction, Rating: Rating(c)}
	}
	return out
}

// Rating is the 1 to 5 rating of a rated conversation, 0 for one not
// rated. It follows from the conversation's ID, so it is the same on every
// run: a good answer is a 5 (about 60%) or a 4, a bad one a 1, 2 or 3.
func Rating(c population.Conversation) int {
	h := fnv.New32a()
	h.Write([]byte("csat\x00" + c.ID))
	n := int(h.Sum32() % 100)
	switch c.Satisfaction {
	case "good":
		if n < 60 {
			return 5
		}
		return 4
	case "bad":
		return 1 + n%3
	}
	return 0
}
