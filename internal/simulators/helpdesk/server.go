package helpdesk

import (
	"context"
	"fmt"

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
	return o
}

// Server is a running helpdesk simulator.
type Server struct {
	*simhttp.Server
	store *store
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
	}
	s.Handle("GET /api/v2/users/show_many.json", "users.show_many", s.showMany)
	s.Handle("GET /api/v2/users.json", "users.list", s.listUsers)
	s.Handle("GET /api/v2/conversations.json", "conversations", s.conversations)
	if err := s.Start(ctx); err != nil {
		return nil, fmt.Errorf("helpdesk simulator: %w", err)
	}
	return s, nil
}
