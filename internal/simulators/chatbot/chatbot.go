package chatbot

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// DefaultToken is the demo API token.
const DefaultToken = "demo-chatbot-token" //nolint:gosec // G101: a published demo credential of a local simulator

// Options configures the simulator.
type Options struct {
	Token string // bearer token; DefaultToken when empty
}

// EndUser is a person the bot talked to, as the API writes them.
type EndUser struct {
	ID        string  `json:"id"`
	Profile   Profile `json:"profile"`
	UpdatedAt string  `json:"updated_at"`
}

// Profile is what the bot asked for.
type Profile struct {
	FirstName string `json:"first_name"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// Conversation is a bot conversation as the API writes it.
type Conversation struct {
	ID            string   `json:"id"`
	EndUserID     string   `json:"end_user_id"`
	Channel       string   `json:"channel"`
	Topic         string   `json:"topic"`
	Status        string   `json:"status"`
	CreatedAt     string   `json:"created_at"`
	EndedAt       string   `json:"ended_at"`
	MessagesCount int      `json:"messages_count"`
	ThreadRef     string   `json:"thread_ref"`
	Handoff       *Handoff `json:"handoff"`
	at            time.Time
}

// Handoff is when and where an agent took the conversation over.
type Handoff struct {
	At       string `json:"at"`
	Platform string `json:"platform"`
}

// Server is a running chatbot simulator.
type Server struct {
	*simhttp.Server
	users []EndUser // id order
	byID  map[string]int
	convs map[string][]Conversation // newest first
	// byConv holds every conversation by ID (messages.go).
	byConv map[string]Conversation
}

// New starts a chatbot simulator on 127.0.0.1:0 serving pop's chatbot
// records and conversations.
func New(ctx context.Context, pop *population.Population, opts Options) (*Server, error) {
	if pop == nil {
		return nil, fmt.Errorf("chatbot simulator: nil population")
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	s := &Server{
		Server: simhttp.New(population.Chatbot, simhttp.Bearer(opts.Token)),
		byID:   map[string]int{},
		convs:  map[string][]Conversation{},
		byConv: map[string]Conversation{},
	}
	for _, p := range pop.Members(population.Chatbot) {
		rec := p.Records[population.Chatbot]
		s.users = append(s.users, EndUser{ID: rec.Key, UpdatedAt: simhttp.RFC3339(rec.UpdatedAt),
			Profile: Profile{FirstName: rec.GivenName, Email: rec.Email, Phone: rec.Phone}})
		for _, c := range p.BotConversations {
			out := Conversation{ID: c.ID, EndUserID: rec.Key, Channel: c.Channel, Topic: c.Topic, Status: c.Status,
				CreatedAt: simhttp.RFC3339(c.CreatedAt), EndedAt: simhttp.RFC3339(c.EndedAt),
				MessagesCount: c.MessagesCount, ThreadRef: c.ThreadRef, at: c.CreatedAt}
			if c.HandoffAt != nil {
				out.Handoff = &Handoff{At: simhttp.RFC3339(*c.HandoffAt), Platform: "helpdesk"}
			}
			s.convs[rec.Key] = append(s.convs[rec.Key], out)
			s.byConv[out.ID] = out
		}
	}
	// The keys are random hex: list in key order, so a cursor is a key.
	sort.Slice(s.users, func(i, j int) bool { return s.users[i].ID < s.users[j].ID })
	for i, u := range s.users {
		s.byID[u.ID] = i
	}
	s.HandleSelect("GET /api/v2/end-users", endUsersRoute, s.serveEndUsers)
	s.Handle("GET /api/v2/conversations", "conversations", s.serveConversations)
	s.Handle("GET /api/v2/conversations/messages", "conversations.messages", s.serveMessages)
	if err := s.Start(ctx); err != nil {
		return nil, fmt.Errorf("chatbot simulator: %w", err)
	}
	return s, nil
}

func endUsersRoute(r *http.Request) string {
	if r.URL.Query().Has("ids") {
		return "end_users.get"
	}
	return "end_users.list"
}

type endUsersResponse struct {
	Data []EndUser `json:"data"`
	Meta *meta     `json:"meta,omitempty"`
}

type meta struct {
	NextCursor *string `json:"next_cursor"`
}

func (s *Server) serveEndUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("ids") {
		users, ok := simhttp.ByIDs(w, q.Get("ids"), s.byID, s.users)
		if ok {
			simhttp.WriteJSON(w, http.StatusOK, endUsersResponse{Data: users})
		}
		return
	}
	limit, err := simhttp.PageSize(r, "limit", 50, 100)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	page, more, ok := simhttp.PageAfter(w, q.Get("cursor"), s.byID, s.users, limit)
	if !ok {
		return
	}
	out := endUsersResponse{Data: page, Meta: &meta{}}
	if more {
		next := page[len(page)-1].ID
		out.Meta.NextCursor = &next
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

type conversationsResponse struct {
	Data []Conversation `json:"data"`
}

func (s *Server) serveConversations(w http.ResponseWriter, r *http.Request) {
	ids, err := simhttp.SplitIDs(r.URL.Query().Get("end_user_ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	var win simhttp.Window
	if win.Since, _, err = simhttp.TimeParam(r, "created_since"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	if win.Until, _, err = simhttp.TimeParam(r, "created_until"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	limit, err := simhttp.IntParam(r, "per_end_user", 10, 0, simhttp.MaxPerKey)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := conversationsResponse{Data: []Conversation{}}
	for _, id := range simhttp.Dedupe(ids) {
		out.Data = append(out.Data, simhttp.Newest(s.convs[id], func(c Conversation) time.Time { return c.at }, win, limit)...)
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}
