package helpdesk

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Demo credentials.
const (
	DefaultEmail = "agent@harmony.example"
	DefaultToken = "demo-helpdesk-token"
)

// Options configures the simulator.
type Options struct {
	Email string // the API user's e-mail; DefaultEmail when empty
	Token string // API token; DefaultToken when empty
	// WebhookSecret signs webhook deliveries; DefaultWebhookSecret when
	// empty.
	WebhookSecret string
}

// User returns the basic-auth user name: "<email>/token".
func (o Options) User() string { return o.withDefaults().Email + "/token" }

func (o Options) withDefaults() Options {
	if o.Email == "" {
		o.Email = DefaultEmail
	}
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = DefaultWebhookSecret
	}
	return o
}

// Server is a running helpdesk simulator.
type Server struct {
	*simhttp.Server
	store  *store
	hooks  *webhooks
	erased erasedSet
	outbox *simhttp.Outbox
	// byConversation locates every conversation (thread.go).
	byConversation map[string]conversationRef
}

// New starts a helpdesk simulator on 127.0.0.1:0 serving pop's helpdesk
// records and conversations.
func New(ctx context.Context, pop *population.Population, opts Options) (*Server, error) {
	if pop == nil {
		return nil, fmt.Errorf("helpdesk simulator: nil population")
	}
	opts = opts.withDefaults()
	s := &Server{
		Server: simhttp.New(population.Helpdesk, simhttp.BasicUser(opts.User(), opts.Token)),
		store:  newStore(pop),
		hooks:  &webhooks{secret: []byte(opts.WebhookSecret), client: &http.Client{Timeout: 10 * time.Second}},
		outbox: simhttp.NewOutbox("msg_"),
	}
	s.Handle("GET /api/v2/users/show_many.json", "users.show_many", s.showMany)
	s.Handle("GET /api/v2/users.json", "users.list", s.listUsers)
	s.Handle("GET /api/v2/conversations.json", "conversations", s.conversations)
	s.byConversation = s.store.indexConversations()
	s.Handle("GET /api/v2/conversations/messages.json", "conversations.messages", s.threadMessages)
	s.Handle("DELETE /api/v2/users/destroy_many.json", "users.destroy_many", s.destroyMany)
	s.Handle("POST /api/v2/_sim/webhooks/message", "webhooks.send", s.sendMessage)
	s.Handle("POST /api/v2/messages/send_many.json", "messages.send_many", s.sendMany)
	if err := s.Start(ctx); err != nil {
		return nil, fmt.Errorf("helpdesk simulator: %w", err)
	}
	return s, nil
}
